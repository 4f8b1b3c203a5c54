// Multi-buffer SHA-2 on AVX2: 8 SHA-256 or 4 SHA-512 messages per step, one
// per 32/64-bit lane. Compiled with -mavx2; called only when CPUID reports
// AVX2 and the OS saves the YMM registers (sha2_batch.cpp).
#include <immintrin.h>

#include "host/crypto/sha2_lanes.hpp"
#include "host/crypto/sha2_paths.hpp"

namespace vigil::crypto::sha2 {
namespace {

// Offsets of four lanes' blocks from the first one's, for gathers based there.
__m256i lane_offsets(const uint8_t* const* blocks) {
  alignas(32) int64_t off[4];
  for (int l = 0; l < 4; ++l) {
    off[l] = static_cast<int64_t>(reinterpret_cast<uintptr_t>(blocks[l]) -
                                  reinterpret_cast<uintptr_t>(blocks[0]));
  }
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(off));
}

// Operations that do not depend on the word width.
struct Common {
  using T = __m256i;
  static T xor3(T a, T b, T c) { return _mm256_xor_si256(_mm256_xor_si256(a, b), c); }
  static T ch(T e, T f, T g) {
    return _mm256_xor_si256(_mm256_and_si256(e, f), _mm256_andnot_si256(e, g));
  }
  // maj(a,b,c) = b ^ ((a ^ b) & (b ^ c))
  static T maj(T a, T b, T c) {
    return _mm256_xor_si256(b, _mm256_and_si256(_mm256_xor_si256(a, b), _mm256_xor_si256(b, c)));
  }
};

struct V32 : Common {
  static constexpr int kLanes = 8;
  static T load(const uint32_t* p) { return _mm256_load_si256(reinterpret_cast<const T*>(p)); }
  static void store(uint32_t* p, T v) { _mm256_store_si256(reinterpret_cast<T*>(p), v); }
  static T set1(uint32_t w) { return _mm256_set1_epi32(static_cast<int>(w)); }
  static T add(T a, T b) { return _mm256_add_epi32(a, b); }
  template <int n>
  static T rotr(T x) {
    return _mm256_or_si256(_mm256_srli_epi32(x, n), _mm256_slli_epi32(x, 32 - n));
  }
  template <int n>
  static T shr(T x) {
    return _mm256_srli_epi32(x, n);
  }
  static void load_words(T w[16], const uint8_t* const* blocks) {
    const __m256i bswap = _mm256_setr_epi8(3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3,
                                           2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
    __m256i lo = lane_offsets(blocks);
    __m256i hi = lane_offsets(blocks + 4);
    for (int i = 0; i < 16; ++i) {
      __m128i a = _mm256_i64gather_epi32(reinterpret_cast<const int*>(blocks[0] + 4 * i), lo, 1);
      __m128i b = _mm256_i64gather_epi32(reinterpret_cast<const int*>(blocks[4] + 4 * i), hi, 1);
      w[i] = _mm256_shuffle_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1), bswap);
    }
  }
};

struct V64 : Common {
  static constexpr int kLanes = 4;
  static T load(const uint64_t* p) { return _mm256_load_si256(reinterpret_cast<const T*>(p)); }
  static void store(uint64_t* p, T v) { _mm256_store_si256(reinterpret_cast<T*>(p), v); }
  static T set1(uint64_t w) { return _mm256_set1_epi64x(static_cast<long long>(w)); }
  static T add(T a, T b) { return _mm256_add_epi64(a, b); }
  template <int n>
  static T rotr(T x) {
    return _mm256_or_si256(_mm256_srli_epi64(x, n), _mm256_slli_epi64(x, 64 - n));
  }
  template <int n>
  static T shr(T x) {
    return _mm256_srli_epi64(x, n);
  }
  static void load_words(T w[16], const uint8_t* const* blocks) {
    const __m256i bswap = _mm256_setr_epi8(7, 6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8, 7,
                                           6, 5, 4, 3, 2, 1, 0, 15, 14, 13, 12, 11, 10, 9, 8);
    __m256i off = lane_offsets(blocks);
    for (int i = 0; i < 16; ++i) {
      w[i] = _mm256_shuffle_epi8(
          _mm256_i64gather_epi64(reinterpret_cast<const long long*>(blocks[0] + 8 * i), off, 1),
          bswap);
    }
  }
};

}  // namespace

void sha256_x8_avx2(uint32_t* state, const uint8_t* const blocks[8]) {
  Sha2Lanes<V32, Sha256Shape>::compress(state, blocks);
}

void sha512_x4_avx2(uint64_t* state, const uint8_t* const blocks[4]) {
  Sha2Lanes<V64, Sha512Shape>::compress(state, blocks);
}

void sha256_x8_avx2_kw(uint32_t* state, const uint32_t* kw) {
  Sha2Lanes<V32, Sha256Shape>::compress_kw(state, kw);
}

void sha512_x4_avx2_kw(uint64_t* state, const uint64_t* kw) {
  Sha2Lanes<V64, Sha512Shape>::compress_kw(state, kw);
}

}  // namespace vigil::crypto::sha2
