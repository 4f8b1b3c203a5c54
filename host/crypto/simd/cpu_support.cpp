// Run-time CPU checks for the SIMD engines (baseline x86-64 code).
#include "host/crypto/simd/double_scalarmult_simd.hpp"

namespace vigil::crypto::simd {

// __builtin_cpu_init makes the checks safe even from static initialisers
// that run before the runtime's own CPU probe.
bool ifma_supported() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
         __builtin_cpu_supports("avx512ifma");
}

bool avx2_supported() {
  return __builtin_cpu_supports("avx2");
}

}  // namespace vigil::crypto::simd
