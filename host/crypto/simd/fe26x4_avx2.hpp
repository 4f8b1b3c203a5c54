// Four field elements mod 2^255 - 19 at once, one per 64-bit lane of a ymm
// register, multiplied with AVX2 vpmuludq (32 x 32 -> 64 bits).
//
// Radix 2^25.5: ten limbs of 26, 25, 26, ... bits (limb i at bit
// ceil(25.5 i)), unsigned. mul and sqr take limbs below 2^27.5 (then
// 4 a_i and 19 b_j fit the 32-bit multiplier inputs and each 64-bit column
// sum stays below 2^63) and return limbs below 2^26 + 2^18 ("tight").
// add and sub carry once in parallel, which also leaves them tight;
// add_lazy does not carry (see edwards_simd.hpp for where that is allowed).
//
// Include only from a translation unit compiled with -mavx2.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace vigil::crypto::simd {
namespace {

struct FieldAvx2 {
  static constexpr size_t kLanes = 4;
  static constexpr size_t kLimbs = 10;
  using V = __m256i;
  struct Fe {
    V v[10];
  };

  static constexpr int width(int i) { return i % 2 == 0 ? 26 : 25; }
  static V mask(int i) { return _mm256_set1_epi64x((int64_t{1} << width(i)) - 1); }
  [[gnu::always_inline]] static V times19(V x) {  // x < 2^32
    return _mm256_mul_epu32(x, _mm256_set1_epi64x(19));
  }

  // One parallel carry: limbs below 2^32 in (so the top carry times 19
  // fits), tight limbs out.
  [[gnu::always_inline]] static Fe carry(const Fe& x) {
    V c[10];
#pragma unroll
    for (int i = 0; i < 10; ++i) c[i] = _mm256_srli_epi64(x.v[i], width(i));
    Fe r;
    r.v[0] = _mm256_add_epi64(_mm256_and_si256(x.v[0], mask(0)), times19(c[9]));
#pragma unroll
    for (int i = 1; i < 10; ++i)
      r.v[i] = _mm256_add_epi64(_mm256_and_si256(x.v[i], mask(i)), c[i - 1]);
    return r;
  }

  [[gnu::always_inline]] static Fe add(const Fe& a, const Fe& b) {
    Fe r;
#pragma unroll
    for (int i = 0; i < 10; ++i) r.v[i] = _mm256_add_epi64(a.v[i], b.v[i]);
    return carry(r);
  }

  // No carry: limbs below 2^27 + 2^19, still inside mul's and sqr's input
  // bound (2^27.5: 4 a_i and 19 b_j fit 32 bits, column sums stay below
  // 2^63) and fine as sub's first operand or add's first operand.
  [[gnu::always_inline]] static Fe add_lazy(const Fe& a, const Fe& b) {
    Fe r;
#pragma unroll
    for (int i = 0; i < 10; ++i) r.v[i] = _mm256_add_epi64(a.v[i], b.v[i]);
    return r;
  }

  // a + 4p - b: b's limbs must not exceed 4p's (2^28 - 76, then 2^27 - 4
  // for odd limbs and 2^28 - 4 for even ones).
  [[gnu::always_inline]] static Fe sub(const Fe& a, const Fe& b) {
    Fe r;
#pragma unroll
    for (int i = 0; i < 10; ++i) {
      const int64_t four_p = i == 0 ? (int64_t{1} << 28) - 76 : (int64_t{4} << width(i)) - 4;
      r.v[i] = _mm256_sub_epi64(_mm256_add_epi64(a.v[i], _mm256_set1_epi64x(four_p)), b.v[i]);
    }
    return carry(r);
  }

  // Column sums below 2^63 in; the ref10 carry chain (two interleaved
  // chains, then the wrap-around) leaves tight limbs.
  [[gnu::always_inline]] static Fe carry_wide(V h[10]) {
    auto step = [&](int i) {
      const V c = _mm256_srli_epi64(h[i], width(i));
      h[i] = _mm256_and_si256(h[i], mask(i));
      if (i == 9) {
        // c < 2^39: 19 c as 16 c + 2 c + c.
        h[0] = _mm256_add_epi64(h[0], _mm256_add_epi64(_mm256_add_epi64(c, _mm256_slli_epi64(c, 1)),
                                                       _mm256_slli_epi64(c, 4)));
      } else {
        h[i + 1] = _mm256_add_epi64(h[i + 1], c);
      }
    };
    step(0), step(4), step(1), step(5), step(2), step(6);
    step(3), step(7), step(4), step(8), step(9), step(0);
    Fe r;
#pragma unroll
    for (int i = 0; i < 10; ++i) r.v[i] = h[i];
    return r;
  }

  // h[(i+j) mod 10] += a_i b_j, doubled when i and j are both odd (the
  // half-bit of radix 2^25.5), times 19 when i + j >= 10 (2^255 = 19).
  [[gnu::always_inline]] static Fe mul(const Fe& a, const Fe& b) {
    V b19[10], a2[10];
#pragma unroll
    for (int i = 0; i < 10; ++i) {
      b19[i] = times19(b.v[i]);
      a2[i] = i % 2 ? _mm256_add_epi64(a.v[i], a.v[i]) : a.v[i];
    }
    V h[10];
#pragma unroll
    for (int c = 0; c < 10; ++c) h[c] = _mm256_setzero_si256();
#pragma unroll
    for (int i = 0; i < 10; ++i) {
#pragma unroll
      for (int j = 0; j < 10; ++j) {
        const V x = (j % 2) ? a2[i] : a.v[i];
        const V y = (i + j >= 10) ? b19[j] : b.v[j];
        h[(i + j) % 10] = _mm256_add_epi64(h[(i + j) % 10], _mm256_mul_epu32(x, y));
      }
    }
    return carry_wide(h);
  }

  // 55 products instead of 100: a_i a_j for i < j counted once, doubled.
  [[gnu::always_inline]] static Fe sqr(const Fe& a) {
    V a19[10], a2[10];
#pragma unroll
    for (int i = 0; i < 10; ++i) {
      a19[i] = times19(a.v[i]);
      a2[i] = _mm256_add_epi64(a.v[i], a.v[i]);
    }
    V h[10];
#pragma unroll
    for (int c = 0; c < 10; ++c) h[c] = _mm256_setzero_si256();
#pragma unroll
    for (int i = 0; i < 10; ++i) {
#pragma unroll
      for (int j = i; j < 10; ++j) {
        // Factor 2 for a cross term, another 2 when both are odd.
        const bool both_odd = (i % 2) && (j % 2);
        V x = (i == j) ? a.v[i] : a2[i];
        if (both_odd) x = _mm256_add_epi64(x, x);
        const V y = (i + j >= 10) ? a19[j] : a.v[j];
        h[(i + j) % 10] = _mm256_add_epi64(h[(i + j) % 10], _mm256_mul_epu32(x, y));
      }
    }
    return carry_wide(h);
  }

  static Fe constant(uint64_t v) {
    Fe r;
    r.v[0] = _mm256_set1_epi64x(static_cast<int64_t>(v));
#pragma unroll
    for (int i = 1; i < 10; ++i) r.v[i] = _mm256_setzero_si256();
    return r;
  }

  static V load(const uint64_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const V*>(p));
  }

  // Limb m of lane l from base[m * row + idx_l].
  [[gnu::always_inline]] static Fe gather(const uint64_t* base, size_t row, V idx) {
    Fe r;
#pragma unroll
    for (size_t m = 0; m < 10; ++m)
      r.v[m] = _mm256_i64gather_epi64(reinterpret_cast<const long long*>(base + m * row), idx, 8);
    return r;
  }

  // b where mask is all-ones, a elsewhere.
  [[gnu::always_inline]] static Fe select(V mask_, const Fe& a, const Fe& b) {
    Fe r;
#pragma unroll
    for (int i = 0; i < 10; ++i) r.v[i] = _mm256_blendv_epi8(a.v[i], b.v[i], mask_);
    return r;
  }

  // Limb-major: out[m * 4 + lane].
  static void store(uint64_t* out, const Fe& x) {
#pragma unroll
    for (int i = 0; i < 10; ++i) _mm256_storeu_si256(reinterpret_cast<V*>(out + 4 * i), x.v[i]);
  }

  // A radix-2^51 limb is a 26-bit limb and the 25-bit limb above it.
  static Fe from_fe51(const uint64_t (*l)[5]) {
    alignas(32) uint64_t t[10][4];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
#pragma unroll
      for (int m = 0; m < 5; ++m) {
        t[2 * m][i] = l[i][m] & ((uint64_t{1} << 26) - 1);
        t[2 * m + 1][i] = l[i][m] >> 26;
      }
    }
    Fe r;
#pragma unroll
    for (int m = 0; m < 10; ++m) r.v[m] = load(t[m]);
    return r;
  }

  static void to_fe51(uint64_t (*l)[5], const Fe& x) {
    alignas(32) uint64_t t[10][4];
    store(&t[0][0], x);
#pragma unroll
    for (int i = 0; i < 4; ++i)
#pragma unroll
      for (int m = 0; m < 5; ++m) l[i][m] = t[2 * m][i] + (t[2 * m + 1][i] << 26);
  }
};

}  // namespace
}  // namespace vigil::crypto::simd
