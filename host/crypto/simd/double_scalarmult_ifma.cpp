// The AVX-512 IFMA engine: 8 lanes. Compiled with -mavx512f -mavx512ifma
// -mavx512vl (host/crypto/CMakeLists.txt); nothing else in the
// library is.
#include <memory>

#include "host/crypto/simd/double_scalarmult_simd.hpp"
#include "host/crypto/simd/edwards_simd.hpp"
#include "host/crypto/simd/fe51x8_ifma.hpp"

namespace vigil::crypto::simd {

void double_scalarmult_encode_x8_ifma(const uint8_t (*ax)[32], const uint8_t (*ay)[32],
                                      const uint8_t (*k)[32], const uint8_t (*s)[32],
                                      uint8_t (*out)[32], size_t n) {
  double_scalarmult_encode<FieldIfma>(ax, ay, k, s, out, n);
}

void decode_x8_ifma(const uint8_t (*enc)[32], uint8_t (*x)[32], uint8_t (*y)[32], uint8_t* ok,
                    size_t n) {
  decode<FieldIfma>(enc, x, y, ok, n);
}

void zip215_equation_lanes_ifma(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* rx,
                                const uint8_t* ry, const uint8_t* k, const uint8_t* s,
                                uint8_t* ok) {
  zip215_equation_lanes<FieldIfma>(n, ax, ay, rx, ry, k, s, ok);
}

void msm_lanes_ifma(size_t n, size_t n_long, const uint64_t (*x)[5], const uint64_t (*y)[5],
                    const uint8_t (*s)[32], const uint8_t b[32], uint8_t (*out)[4][32]) {
  // Per thread, allocated on first use (about 380 KB: no static TLS block).
  thread_local std::unique_ptr<MsmScratch<FieldIfma>> scratch;
  if (!scratch) scratch = std::make_unique<MsmScratch<FieldIfma>>();
  msm<FieldIfma>(n, n_long, x, y, s, b, out, *scratch);
}

void field_ops_x8_ifma(const uint8_t (*a)[32], const uint8_t (*b)[32], uint8_t (*out)[5][32]) {
  field_ops<FieldIfma>(a, b, out);
}

}  // namespace vigil::crypto::simd
