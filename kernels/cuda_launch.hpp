// Host-side launchers for the CUDA build of the kernels (cuda/*.cu). Plain
// C++ signatures so drivers need no CUDA headers; each returns the
// cudaError_t of the launch as an int (0 = cudaSuccess).
#pragma once

#include <cstdint>

#include "kernels/variant.hpp"

namespace vigil::kernels {

// The verify kernel of shape.field (fe51: cuda/vigil_kernels.cu, fe25:
// cuda/vigil_verify_fe25.cu) with shape.block threads per block (a
// valid_verify_block value; others are refused with cudaErrorInvalidValue).
int cuda_launch_verify(const void* batch, uint64_t batch_bytes, uint32_t* verdict, uint8_t* errors,
                       uint32_t count, const VerifyShape& shape, void* stream);
int cuda_launch_sha256(const uint8_t* msgs, const uint32_t* offsets, uint8_t* out, uint32_t count,
                       void* stream);
int cuda_launch_merkle_level(const uint8_t* nodes, uint32_t count, uint8_t* out, void* stream);

// One launcher per field representation, each in its translation unit.
int cuda_launch_verify_fe51(const void* batch, uint64_t batch_bytes, uint32_t* verdict,
                            uint8_t* errors, uint32_t count, unsigned block, void* stream);
int cuda_launch_verify_fe25(const void* batch, uint64_t batch_bytes, uint32_t* verdict,
                            uint8_t* errors, uint32_t count, unsigned block, void* stream);

}  // namespace vigil::kernels
