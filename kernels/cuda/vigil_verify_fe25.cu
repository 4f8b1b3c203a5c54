// The verify kernel with the fe25 field representation (10 limbs of radix
// 2^25.5), from the same source as vigil_kernels.cu, under its own name.
#include <cuda_runtime.h>

#define VK_FIELD 25
#define VK_VERIFY_ENTRY vigil_ed25519_verify_fe25
#define VK_VERIFY_ONLY 1

#include "kernels/cuda_launch.hpp"
#include "kernels/vigil_kernels.cl"

namespace vigil::kernels {

int cuda_launch_verify_fe25(const void* batch, uint64_t batch_bytes, uint32_t* verdict,
                            uint8_t* errors, uint32_t count, unsigned block, void* stream) {
  vigil_ed25519_verify_fe25<<<(count + block - 1) / block, block, 0,
                              static_cast<cudaStream_t>(stream)>>>(
      static_cast<const vigil_u8*>(batch), batch_bytes, verdict, errors, count);
  return static_cast<int>(cudaGetLastError());
}

}  // namespace vigil::kernels
