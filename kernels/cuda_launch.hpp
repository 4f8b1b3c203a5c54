// Host-side launchers for the CUDA build of the kernels (cuda/vigil_kernels.cu).
// Plain C++ signatures so drivers need no CUDA headers; each returns the
// cudaError_t of the launch as an int (0 = cudaSuccess).
#pragma once

#include <cstdint>

namespace vigil::kernels {

// Threads per block of the verify kernel: the kernel holds ~6 KB of tables
// per thread, so small blocks keep occupancy limited by registers only.
inline constexpr unsigned kCudaVerifyBlock = 64;

int cuda_launch_verify(const void* batch, uint32_t* verdict, uint8_t* errors, uint32_t count,
                       void* stream);
int cuda_launch_sha256(const uint8_t* msgs, const uint32_t* offsets, uint8_t* out, uint32_t count,
                       void* stream);
int cuda_launch_merkle_level(const uint8_t* nodes, uint32_t count, uint8_t* out, void* stream);

}  // namespace vigil::kernels
