// The AVX-512 IFMA engine: 8 lanes. Compiled with -mavx512f -mavx512ifma
// -mavx512vl (host/crypto/CMakeLists.txt); nothing else in the
// library is.
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

void field_ops_x8_ifma(const uint8_t (*a)[32], const uint8_t (*b)[32], uint8_t (*out)[5][32]) {
  field_ops<FieldIfma>(a, b, out);
}

}  // namespace vigil::crypto::simd
