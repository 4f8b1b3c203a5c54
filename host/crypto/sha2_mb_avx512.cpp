// Multi-buffer SHA-2 on AVX-512 (F + BW): 16 SHA-256 or 8 SHA-512 messages
// per step, one per 32/64-bit lane. Compiled with -mavx512f -mavx512bw;
// called only when CPUID reports both (sha2_batch.cpp).
#include <immintrin.h>

#include "host/crypto/sha2_lanes.hpp"
#include "host/crypto/sha2_paths.hpp"

namespace vigil::crypto::sha2 {
namespace {

// Offsets of eight lanes' blocks from the first one's, for gathers based there.
__m512i lane_offsets(const uint8_t* const* blocks) {
  alignas(64) int64_t off[8];
  for (int l = 0; l < 8; ++l) {
    off[l] = static_cast<int64_t>(reinterpret_cast<uintptr_t>(blocks[l]) -
                                  reinterpret_cast<uintptr_t>(blocks[0]));
  }
  return _mm512_load_si512(off);
}

struct V32 {
  using T = __m512i;
  static constexpr int kLanes = 16;
  static T load(const uint32_t* p) { return _mm512_load_si512(p); }
  static void store(uint32_t* p, T v) { _mm512_store_si512(p, v); }
  static T set1(uint32_t w) { return _mm512_set1_epi32(static_cast<int>(w)); }
  static T add(T a, T b) { return _mm512_add_epi32(a, b); }
  static T xor3(T a, T b, T c) { return _mm512_ternarylogic_epi32(a, b, c, 0x96); }
  static T ch(T e, T f, T g) { return _mm512_ternarylogic_epi32(e, f, g, 0xca); }
  static T maj(T a, T b, T c) { return _mm512_ternarylogic_epi32(a, b, c, 0xe8); }
  template <int n>
  static T rotr(T x) {
    return _mm512_ror_epi32(x, n);
  }
  template <int n>
  static T shr(T x) {
    return _mm512_srli_epi32(x, n);
  }
  static void load_words(T w[16], const uint8_t* const* blocks) {
    const __m512i bswap =
        _mm512_broadcast_i32x4(_mm_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12));
    __m512i lo = lane_offsets(blocks);
    __m512i hi = lane_offsets(blocks + 8);
    const uint8_t* base_hi = blocks[8];
    for (int i = 0; i < 16; ++i) {
      __m256i a = _mm512_i64gather_epi32(lo, blocks[0] + 4 * i, 1);
      __m256i b = _mm512_i64gather_epi32(hi, base_hi + 4 * i, 1);
      w[i] = _mm512_shuffle_epi8(_mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1), bswap);
    }
  }
};

struct V64 {
  using T = __m512i;
  static constexpr int kLanes = 8;
  static T load(const uint64_t* p) { return _mm512_load_si512(p); }
  static void store(uint64_t* p, T v) { _mm512_store_si512(p, v); }
  static T set1(uint64_t w) { return _mm512_set1_epi64(static_cast<long long>(w)); }
  static T add(T a, T b) { return _mm512_add_epi64(a, b); }
  static T xor3(T a, T b, T c) { return _mm512_ternarylogic_epi64(a, b, c, 0x96); }
  static T ch(T e, T f, T g) { return _mm512_ternarylogic_epi64(e, f, g, 0xca); }
  static T maj(T a, T b, T c) { return _mm512_ternarylogic_epi64(a, b, c, 0xe8); }
  template <int n>
  static T rotr(T x) {
    return _mm512_ror_epi64(x, n);
  }
  template <int n>
  static T shr(T x) {
    return _mm512_srli_epi64(x, n);
  }
  static void load_words(T w[16], const uint8_t* const* blocks) {
    const __m512i bswap =
        _mm512_broadcast_i32x4(_mm_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8));
    __m512i off = lane_offsets(blocks);
    for (int i = 0; i < 16; ++i) {
      w[i] = _mm512_shuffle_epi8(_mm512_i64gather_epi64(off, blocks[0] + 8 * i, 1), bswap);
    }
  }
};

}  // namespace

void sha256_x16_avx512(uint32_t* state, const uint8_t* const blocks[16]) {
  Sha2Lanes<V32, Sha256Shape>::compress(state, blocks);
}

void sha512_x8_avx512(uint64_t* state, const uint8_t* const blocks[8]) {
  Sha2Lanes<V64, Sha512Shape>::compress(state, blocks);
}

}  // namespace vigil::crypto::sha2
