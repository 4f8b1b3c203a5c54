// Eight field elements mod 2^255 - 19 at once, one per 64-bit lane of a zmm
// register, multiplied with AVX-512 IFMA (vpmadd52luq / vpmadd52huq).
//
// Radix 2^51 in 52-bit multiplier lanes: a limb fed to mul must be < 2^52
// (IFMA reads only the low 52 bits of each factor). Every operation here
// returns limbs < 2^51 + 2^18 ("tight"), so results feed mul directly, and
// add and sub carry once so their results do too. Radix 2^51 rather than
// 2^52 leaves 2^255 = 19 as the reduction constant, which keeps the folded
// column sums below 2^62 without an intermediate carry.
//
// Include only from a translation unit compiled with
// -mavx512f -mavx512ifma -mavx512vl.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

namespace vigil::crypto::simd {
namespace {

struct FieldIfma {
  static constexpr size_t kLanes = 8;
  static constexpr size_t kLimbs = 5;
  using V = __m512i;
  struct Fe {
    V v[5];
  };

  static V mask51() { return _mm512_set1_epi64((int64_t{1} << 51) - 1); }

  // One parallel carry: limbs below 2^64 in, limbs below 2^51 + 2^18 out.
  static Fe carry(const Fe& x) {
    const V m = mask51();
    V c[5];
#pragma unroll
    for (int i = 0; i < 5; ++i) c[i] = _mm512_srli_epi64(x.v[i], 51);
    Fe r;
    r.v[0] = _mm512_madd52lo_epu64(_mm512_and_si512(x.v[0], m), c[4], _mm512_set1_epi64(19));
#pragma unroll
    for (int i = 1; i < 5; ++i) r.v[i] = _mm512_add_epi64(_mm512_and_si512(x.v[i], m), c[i - 1]);
    return r;
  }

  static Fe add(const Fe& a, const Fe& b) {
    Fe r;
#pragma unroll
    for (int i = 0; i < 5; ++i) r.v[i] = _mm512_add_epi64(a.v[i], b.v[i]);
    return carry(r);
  }

  // No headroom to skip the carry: the sum of two tight limbs can reach 2^52.
  static Fe add_lazy(const Fe& a, const Fe& b) {
    return add(a, b);
  }

  // a + 4p - b: b's limbs must not exceed 4p's (2^53 - 76, 2^53 - 4).
  static Fe sub(const Fe& a, const Fe& b) {
    Fe r;
#pragma unroll
    for (int i = 0; i < 5; ++i) {
      const V four_p = _mm512_set1_epi64(i == 0 ? (int64_t{1} << 53) - 76 : (int64_t{1} << 53) - 4);
      r.v[i] = _mm512_sub_epi64(_mm512_add_epi64(a.v[i], four_p), b.v[i]);
    }
    return carry(r);
  }

  // Column sums z[c] = sum lo(a_i b_j) [i+j=c] + 2 sum hi(a_i b_j) [i+j=c-1]
  // (the high half of a 52x52 product sits 52 bits up, i.e. twice the next
  // radix-2^51 column): below 15 * 2^52 each. Columns 5..9 fold down times
  // 19; the folded sums stay below 2^61.
  static Fe reduce_columns(V lo[10], V hi[10]) {
    V z[10];
#pragma unroll
    for (int c = 0; c < 10; ++c) z[c] = _mm512_add_epi64(lo[c], _mm512_add_epi64(hi[c], hi[c]));
    Fe r;
#pragma unroll
    for (int i = 0; i < 5; ++i) {
      // 19 t = t + 2 t + 16 t. The empty asm keeps the compiler from
      // turning this into a 64-bit multiply (vpmuludq pairs, shifts).
      const V t = z[i + 5];
      V t16 = _mm512_slli_epi64(t, 4);
      __asm__("" : "+v"(t16));
      const V t19 = _mm512_add_epi64(_mm512_add_epi64(t, _mm512_add_epi64(t, t)), t16);
      r.v[i] = _mm512_add_epi64(z[i], t19);
    }
    return carry(r);
  }

  static Fe mul(const Fe& a, const Fe& b) {
    V lo[10], hi[10];
#pragma unroll
    for (int c = 0; c < 10; ++c) lo[c] = hi[c] = _mm512_setzero_si512();
#pragma unroll
    for (int i = 0; i < 5; ++i) {
#pragma unroll
      for (int j = 0; j < 5; ++j) {
        lo[i + j] = _mm512_madd52lo_epu64(lo[i + j], a.v[i], b.v[j]);
        hi[i + j + 1] = _mm512_madd52hi_epu64(hi[i + j + 1], a.v[i], b.v[j]);
      }
    }
    return reduce_columns(lo, hi);
  }

  // 15 products instead of 25: the cross products go to their own sums,
  // which are doubled before they join the square terms.
  static Fe sqr(const Fe& a) {
    V lo[10], hi[10], xlo[10], xhi[10];
#pragma unroll
    for (int c = 0; c < 10; ++c) lo[c] = hi[c] = xlo[c] = xhi[c] = _mm512_setzero_si512();
#pragma unroll
    for (int i = 0; i < 5; ++i) {
      lo[2 * i] = _mm512_madd52lo_epu64(lo[2 * i], a.v[i], a.v[i]);
      hi[2 * i + 1] = _mm512_madd52hi_epu64(hi[2 * i + 1], a.v[i], a.v[i]);
#pragma unroll
      for (int j = i + 1; j < 5; ++j) {
        xlo[i + j] = _mm512_madd52lo_epu64(xlo[i + j], a.v[i], a.v[j]);
        xhi[i + j + 1] = _mm512_madd52hi_epu64(xhi[i + j + 1], a.v[i], a.v[j]);
      }
    }
#pragma unroll
    for (int c = 0; c < 10; ++c) {
      lo[c] = _mm512_add_epi64(lo[c], _mm512_add_epi64(xlo[c], xlo[c]));
      hi[c] = _mm512_add_epi64(hi[c], _mm512_add_epi64(xhi[c], xhi[c]));
    }
    return reduce_columns(lo, hi);
  }

  // Every lane holds the small constant v.
  static Fe constant(uint64_t v) {
    Fe r;
    r.v[0] = _mm512_set1_epi64(static_cast<int64_t>(v));
#pragma unroll
    for (int i = 1; i < 5; ++i) r.v[i] = _mm512_setzero_si512();
    return r;
  }

  static V load(const uint64_t* p) {
    return _mm512_loadu_si512(p);
  }

  // Per lane l, from the signed digit d_l: idx_l = |d_l| * entry_words + l
  // (a per-lane table's gather offset) and neg_l = all-ones where d_l < 0;
  // |d_l| and entry_words below 2^32.
  static void digit_offsets(const int8_t* d, uint64_t entry_words, V& idx, V& neg) {
    const V v = _mm512_cvtepi8_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(d)));
    const V lanes = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
    idx = _mm512_add_epi64(
        _mm512_mul_epu32(_mm512_abs_epi64(v), _mm512_set1_epi64(static_cast<int64_t>(entry_words))),
        lanes);
    neg = _mm512_srai_epi64(v, 63);
  }

  // Limb m of lane l from base[m * row + idx_l].
  static Fe gather(const uint64_t* base, size_t row, V idx) {
    Fe r;
#pragma unroll
    for (size_t m = 0; m < 5; ++m) r.v[m] = _mm512_i64gather_epi64(idx, base + m * row, 8);
    return r;
  }

  // b where mask is all-ones, a elsewhere.
  static Fe select(V mask, const Fe& a, const Fe& b) {
    const __mmask8 k = _mm512_test_epi64_mask(mask, mask);
    Fe r;
#pragma unroll
    for (int i = 0; i < 5; ++i) r.v[i] = _mm512_mask_blend_epi64(k, a.v[i], b.v[i]);
    return r;
  }

  // Limb-major: out[m * 8 + lane].
  static void store(uint64_t* out, const Fe& x) {
#pragma unroll
    for (int i = 0; i < 5; ++i) _mm512_storeu_si512(out + 8 * i, x.v[i]);
  }

  static Fe from_fe51(const uint64_t (*l)[5]) {
    alignas(64) uint64_t t[5][8];
#pragma unroll
    for (int i = 0; i < 8; ++i)
#pragma unroll
      for (int m = 0; m < 5; ++m) t[m][i] = l[i][m];
    Fe r;
#pragma unroll
    for (int m = 0; m < 5; ++m) r.v[m] = _mm512_load_si512(t[m]);
    return r;
  }

  static void to_fe51(uint64_t (*l)[5], const Fe& x) {
    alignas(64) uint64_t t[5][8];
#pragma unroll
    for (int m = 0; m < 5; ++m) _mm512_store_si512(t[m], x.v[m]);
#pragma unroll
    for (int i = 0; i < 8; ++i)
#pragma unroll
      for (int m = 0; m < 5; ++m) l[i][m] = t[m][i];
  }
};

}  // namespace
}  // namespace vigil::crypto::simd
