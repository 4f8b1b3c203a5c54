// The kernel source built by nvcc: the same file the OpenCL runtime compiles,
// read through the vendor header's CUDA branch (field representation fe51),
// plus its host launchers. vigil_verify_fe25.cu builds the fe25 verify kernel.
#include <cuda_runtime.h>

#include "kernels/cuda_launch.hpp"
#include "kernels/vigil_kernels.cl"

namespace vigil::kernels {
namespace {
unsigned blocks_for(uint32_t n, unsigned block) {
  return (n + block - 1) / block;
}
}  // namespace

int cuda_launch_verify_fe51(const void* batch, uint64_t batch_bytes, uint32_t* verdict,
                            uint8_t* errors, uint32_t count, unsigned block, void* stream) {
  vigil_ed25519_verify<<<blocks_for(count, block), block, 0, static_cast<cudaStream_t>(stream)>>>(
      static_cast<const vigil_u8*>(batch), batch_bytes, verdict, errors, count);
  return static_cast<int>(cudaGetLastError());
}

int cuda_launch_verify(const void* batch, uint64_t batch_bytes, uint32_t* verdict, uint8_t* errors,
                       uint32_t count, const VerifyShape& shape, void* stream) {
  if (!valid_verify_block(shape.block)) return static_cast<int>(cudaErrorInvalidValue);
  if (count == 0) return 0;
  auto launch = shape.field == Field::fe25 ? cuda_launch_verify_fe25 : cuda_launch_verify_fe51;
  return launch(batch, batch_bytes, verdict, errors, count, shape.block, stream);
}

int cuda_launch_sha256(const uint8_t* msgs, const uint32_t* offsets, uint8_t* out, uint32_t count,
                       void* stream) {
  if (count == 0) return 0;
  vigil_sha256<<<blocks_for(count, 128), 128, 0, static_cast<cudaStream_t>(stream)>>>(msgs, offsets,
                                                                                      out, count);
  return static_cast<int>(cudaGetLastError());
}

int cuda_launch_merkle_level(const uint8_t* nodes, uint32_t count, uint8_t* out, void* stream) {
  uint32_t parents = (count + 1) / 2;
  if (parents == 0) return 0;
  vigil_merkle_level<<<blocks_for(parents, 128), 128, 0, static_cast<cudaStream_t>(stream)>>>(
      nodes, count, out);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace vigil::kernels
