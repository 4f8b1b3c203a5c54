// The AVX2 engine: 4 lanes. Compiled with -mavx2 (host/crypto/CMakeLists.txt); nothing else in the
// library is.
#include "host/crypto/simd/double_scalarmult_simd.hpp"
#include "host/crypto/simd/edwards_simd.hpp"
#include "host/crypto/simd/fe26x4_avx2.hpp"

namespace vigil::crypto::simd {

void double_scalarmult_encode_x4_avx2(const uint8_t (*ax)[32], const uint8_t (*ay)[32],
                                      const uint8_t (*k)[32], const uint8_t (*s)[32],
                                      uint8_t (*out)[32], size_t n) {
  double_scalarmult_encode<FieldAvx2>(ax, ay, k, s, out, n);
}

void decode_x4_avx2(const uint8_t (*enc)[32], uint8_t (*x)[32], uint8_t (*y)[32], uint8_t* ok,
                    size_t n) {
  decode<FieldAvx2>(enc, x, y, ok, n);
}

void zip215_equation_lanes_avx2(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* rx,
                                const uint8_t* ry, const uint8_t* k, const uint8_t* s,
                                uint8_t* ok) {
  zip215_equation_lanes<FieldAvx2>(n, ax, ay, rx, ry, k, s, ok);
}

void field_ops_x4_avx2(const uint8_t (*a)[32], const uint8_t (*b)[32], uint8_t (*out)[5][32]) {
  field_ops<FieldAvx2>(a, b, out);
}

}  // namespace vigil::crypto::simd
