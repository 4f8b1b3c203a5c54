// Adapters from the engine hook's flat lane arrays to the SIMD functions,
// one group of lanes at a time (baseline x86-64 code).
#include "host/crypto/simd/double_scalarmult_simd.hpp"

namespace vigil::crypto::simd {

namespace {

using Row = const uint8_t (*)[32];
using GroupFn = void (*)(Row, Row, Row, Row, uint8_t (*)[32], size_t);

void in_groups(GroupFn fn, size_t lanes, size_t n, const uint8_t* ax, const uint8_t* ay,
               const uint8_t* k, const uint8_t* s, uint8_t* out) {
  for (size_t at = 0; at < n; at += lanes) {
    const size_t o = 32 * at;
    fn(reinterpret_cast<Row>(ax + o), reinterpret_cast<Row>(ay + o), reinterpret_cast<Row>(k + o),
       reinterpret_cast<Row>(s + o), reinterpret_cast<uint8_t(*)[32]>(out + o),
       n - at < lanes ? n - at : lanes);
  }
}

using DecodeFn = void (*)(Row, uint8_t (*)[32], uint8_t (*)[32], uint8_t*, size_t);

void decode_in_groups(DecodeFn fn, size_t lanes, size_t n, const uint8_t* enc, uint8_t* x,
                      uint8_t* y, uint8_t* ok) {
  for (size_t at = 0; at < n; at += lanes) {
    const size_t o = 32 * at;
    fn(reinterpret_cast<Row>(enc + o), reinterpret_cast<uint8_t(*)[32]>(x + o),
       reinterpret_cast<uint8_t(*)[32]>(y + o), ok + at, n - at < lanes ? n - at : lanes);
  }
}

}  // namespace

void decode_lanes_ifma(size_t n, const uint8_t* enc, uint8_t* x, uint8_t* y, uint8_t* ok) {
  decode_in_groups(decode_x8_ifma, 8, n, enc, x, y, ok);
}

void decode_lanes_avx2(size_t n, const uint8_t* enc, uint8_t* x, uint8_t* y, uint8_t* ok) {
  decode_in_groups(decode_x4_avx2, 4, n, enc, x, y, ok);
}

void dsm_encode_lanes_ifma(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* k,
                           const uint8_t* s, uint8_t* out) {
  in_groups(double_scalarmult_encode_x8_ifma, 8, n, ax, ay, k, s, out);
}

void dsm_encode_lanes_avx2(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* k,
                           const uint8_t* s, uint8_t* out) {
  in_groups(double_scalarmult_encode_x4_avx2, 4, n, ax, ay, k, s, out);
}

}  // namespace vigil::crypto::simd
