// Field arithmetic mod p = 2^255 - 19, five 51-bit limbs, products in
// unsigned __int128. Inline: every group operation is a handful of these.
//
// Limb bounds (the only thing callers must track):
//   - fe_mul / fe_sq / fe_carry return "tight" limbs, each < 2^52.
//   - fe_mul / fe_sq accept limbs < 2^56.
//   - fe_add does not carry: tight + tight < 2^53, and so on.
//   - fe_sub(f, g) adds 16p before subtracting, so g's limbs must be < 2^55;
//     the result is below f + 2^55.
// Values are kept as residues, not canonical: fe_tobytes, fe_is_zero and
// fe_is_negative reduce fully. Nothing here branches on a value.
#pragma once

#include <cstdint>
#include <cstring>

// Hot loops (exponentiations, scalar multiplications, MSMs) are marked
// VIGIL_HOT: the compiler emits them twice, for baseline x86-64 and for BMI2
// (mulx: 64x64->128-bit products without register shuffling, about 6% faster
// here), and the loader picks one by CPUID. The field and group operations
// are VIGIL_INLINE (forced) so that each copy gets its own code for them.
#if defined(__x86_64__) && !defined(VIGIL_NO_CLONES)
#define VIGIL_HOT __attribute__((target_clones("bmi2", "default")))
#else
#define VIGIL_HOT
#endif
#define VIGIL_INLINE [[gnu::always_inline]] inline

namespace vigil::crypto {

using u128 = unsigned __int128;

struct Fe {
  uint64_t v[5];
};

inline constexpr uint64_t kFeMask = (uint64_t{1} << 51) - 1;

inline constexpr Fe fe_zero() {
  return Fe{{0, 0, 0, 0, 0}};
}
inline constexpr Fe fe_one() {
  return Fe{{1, 0, 0, 0, 0}};
}

VIGIL_INLINE Fe fe_add(const Fe& f, const Fe& g) {
  return Fe{{f.v[0] + g.v[0], f.v[1] + g.v[1], f.v[2] + g.v[2], f.v[3] + g.v[3], f.v[4] + g.v[4]}};
}

// 16p, limb by limb: lets g's limbs reach 2^55 without going negative.
VIGIL_INLINE Fe fe_sub(const Fe& f, const Fe& g) {
  constexpr uint64_t k0 = 16 * ((uint64_t{1} << 51) - 19);
  constexpr uint64_t k = 16 * ((uint64_t{1} << 51) - 1);
  return Fe{{f.v[0] + k0 - g.v[0], f.v[1] + k - g.v[1], f.v[2] + k - g.v[2], f.v[3] + k - g.v[3],
             f.v[4] + k - g.v[4]}};
}

VIGIL_INLINE Fe fe_neg(const Fe& f) {
  return fe_sub(fe_zero(), f);
}

// Brings limbs below 2^52 (the value is unchanged mod p).
VIGIL_INLINE Fe fe_carry(const Fe& f) {
  uint64_t a0 = f.v[0], a1 = f.v[1], a2 = f.v[2], a3 = f.v[3], a4 = f.v[4];
  a1 += a0 >> 51;
  a0 &= kFeMask;
  a2 += a1 >> 51;
  a1 &= kFeMask;
  a3 += a2 >> 51;
  a2 &= kFeMask;
  a4 += a3 >> 51;
  a3 &= kFeMask;
  a0 += 19 * (a4 >> 51);
  a4 &= kFeMask;
  a1 += a0 >> 51;
  a0 &= kFeMask;
  return Fe{{a0, a1, a2, a3, a4}};
}

// Carries five 128-bit column sums into tight limbs. The carries stay 128-bit
// because inputs up to 2^56 make columns up to 2^119.
VIGIL_INLINE Fe fe_reduce_wide(u128 t0, u128 t1, u128 t2, u128 t3, u128 t4) {
  t1 += t0 >> 51;
  uint64_t r0 = static_cast<uint64_t>(t0) & kFeMask;
  t2 += t1 >> 51;
  uint64_t r1 = static_cast<uint64_t>(t1) & kFeMask;
  t3 += t2 >> 51;
  uint64_t r2 = static_cast<uint64_t>(t2) & kFeMask;
  t4 += t3 >> 51;
  uint64_t r3 = static_cast<uint64_t>(t3) & kFeMask;
  uint64_t r4 = static_cast<uint64_t>(t4) & kFeMask;
  u128 c = (t4 >> 51) * 19 + r0;
  r0 = static_cast<uint64_t>(c) & kFeMask;
  c = (c >> 51) + r1;
  r1 = static_cast<uint64_t>(c) & kFeMask;
  r2 += static_cast<uint64_t>(c >> 51);
  return Fe{{r0, r1, r2, r3, r4}};
}

VIGIL_INLINE Fe fe_mul(const Fe& f, const Fe& g) {
  const uint64_t a0 = f.v[0], a1 = f.v[1], a2 = f.v[2], a3 = f.v[3], a4 = f.v[4];
  const uint64_t b0 = g.v[0], b1 = g.v[1], b2 = g.v[2], b3 = g.v[3], b4 = g.v[4];
  const uint64_t b1_19 = 19 * b1, b2_19 = 19 * b2, b3_19 = 19 * b3, b4_19 = 19 * b4;
  u128 t0 =
      (u128)a0 * b0 + (u128)a1 * b4_19 + (u128)a2 * b3_19 + (u128)a3 * b2_19 + (u128)a4 * b1_19;
  u128 t1 = (u128)a0 * b1 + (u128)a1 * b0 + (u128)a2 * b4_19 + (u128)a3 * b3_19 + (u128)a4 * b2_19;
  u128 t2 = (u128)a0 * b2 + (u128)a1 * b1 + (u128)a2 * b0 + (u128)a3 * b4_19 + (u128)a4 * b3_19;
  u128 t3 = (u128)a0 * b3 + (u128)a1 * b2 + (u128)a2 * b1 + (u128)a3 * b0 + (u128)a4 * b4_19;
  u128 t4 = (u128)a0 * b4 + (u128)a1 * b3 + (u128)a2 * b2 + (u128)a3 * b1 + (u128)a4 * b0;
  return fe_reduce_wide(t0, t1, t2, t3, t4);
}

VIGIL_INLINE Fe fe_sq(const Fe& f) {
  const uint64_t a0 = f.v[0], a1 = f.v[1], a2 = f.v[2], a3 = f.v[3], a4 = f.v[4];
  const uint64_t d0 = 2 * a0, d1 = 2 * a1, d2 = 2 * a2;
  const uint64_t a3_19 = 19 * a3, a4_19 = 19 * a4;
  u128 t0 = (u128)a0 * a0 + (u128)d1 * a4_19 + (u128)d2 * a3_19;
  u128 t1 = (u128)d0 * a1 + (u128)d2 * a4_19 + (u128)a3 * a3_19;
  u128 t2 = (u128)d0 * a2 + (u128)a1 * a1 + (u128)(2 * a3) * a4_19;
  u128 t3 = (u128)d0 * a3 + (u128)d1 * a2 + (u128)a4 * a4_19;
  u128 t4 = (u128)d0 * a4 + (u128)d1 * a3 + (u128)a2 * a2;
  return fe_reduce_wide(t0, t1, t2, t3, t4);
}

// f^(2^n), n >= 1.
VIGIL_INLINE Fe fe_sq_n(Fe f, int n) {
  for (int i = 0; i < n; ++i) f = fe_sq(f);
  return f;
}

// Multiplies by a small constant (< 2^13), e.g. 121666.
VIGIL_INLINE Fe fe_mul_small(const Fe& f, uint64_t s) {
  return fe_reduce_wide((u128)f.v[0] * s, (u128)f.v[1] * s, (u128)f.v[2] * s, (u128)f.v[3] * s,
                        (u128)f.v[4] * s);
}

// Loads 32 little-endian bytes, ignoring bit 255. Values p..2^255-1 are
// accepted and behave as their residue (ZIP 215 needs exactly that).
VIGIL_INLINE Fe fe_frombytes(const uint8_t s[32]) {
  uint64_t w[4];
  std::memcpy(w, s, 32);
  return Fe{{w[0] & kFeMask, ((w[0] >> 51) | (w[1] << 13)) & kFeMask,
             ((w[1] >> 38) | (w[2] << 26)) & kFeMask, ((w[2] >> 25) | (w[3] << 39)) & kFeMask,
             (w[3] >> 12) & kFeMask}};
}

// Canonical little-endian encoding (value fully reduced below p).
VIGIL_INLINE void fe_tobytes(uint8_t out[32], const Fe& f) {
  Fe h = fe_carry(fe_carry(f));  // limbs < 2^51 + tiny, value < 2p
  // q = 1 when h >= p: add 19 and see whether bit 255 is set.
  uint64_t q = (h.v[0] + 19) >> 51;
  q = (h.v[1] + q) >> 51;
  q = (h.v[2] + q) >> 51;
  q = (h.v[3] + q) >> 51;
  q = (h.v[4] + q) >> 51;
  uint64_t a0 = h.v[0] + 19 * q, a1 = h.v[1], a2 = h.v[2], a3 = h.v[3], a4 = h.v[4];
  a1 += a0 >> 51;
  a0 &= kFeMask;
  a2 += a1 >> 51;
  a1 &= kFeMask;
  a3 += a2 >> 51;
  a2 &= kFeMask;
  a4 += a3 >> 51;
  a3 &= kFeMask;
  a4 &= kFeMask;  // drops 2^255, completing the subtraction of p
  uint64_t w[4] = {a0 | (a1 << 51), (a1 >> 13) | (a2 << 38), (a2 >> 26) | (a3 << 25),
                   (a3 >> 39) | (a4 << 12)};
  std::memcpy(out, w, 32);
}

VIGIL_INLINE bool fe_is_zero(const Fe& f) {
  uint8_t b[32];
  fe_tobytes(b, f);
  uint8_t acc = 0;
  for (uint8_t x : b) acc |= x;
  return acc == 0;
}

VIGIL_INLINE bool fe_is_negative(const Fe& f) {
  uint8_t b[32];
  fe_tobytes(b, f);
  return b[0] & 1;
}

VIGIL_INLINE bool fe_equal(const Fe& f, const Fe& g) {
  return fe_is_zero(fe_sub(f, fe_carry(g)));
}

// Constant-time select: returns g when flag is 1, f when 0.
VIGIL_INLINE Fe fe_select(const Fe& f, const Fe& g, uint64_t flag) {
  const uint64_t m = 0 - flag;
  Fe r;
  for (int i = 0; i < 5; ++i) r.v[i] = f.v[i] ^ (m & (f.v[i] ^ g.v[i]));
  return r;
}

// f^(p-2) = 1/f (0 maps to 0).
Fe fe_invert(const Fe& f);
// f^((p-5)/8), the core of square roots.
Fe fe_pow22523(const Fe& f);
// Sets x = sqrt(u/v) when u/v is a square (x's sign is whatever falls out)
// and returns true; returns false when u/v is not a square (v != 0).
bool fe_sqrt_ratio(Fe& x, const Fe& u, const Fe& v);

// 1/f[i] for every i by Montgomery's trick (one inversion); zeros stay zero
// only when no input is zero, so callers pass nonzero values. `scratch` holds
// n elements.
void fe_batch_invert(Fe* f, Fe* scratch, size_t n);

inline constexpr Fe kFeD = {
    {0x34dca135978a3, 0x1a8283b156ebd, 0x5e7a26001c029, 0x739c663a03cbb, 0x52036cee2b6ff}};
inline constexpr Fe kFeD2 = {
    {0x69b9426b2f159, 0x35050762add7a, 0x3cf44c0038052, 0x6738cc7407977, 0x2406d9dc56dff}};
inline constexpr Fe kFeSqrtM1 = {
    {0x61b274a0ea0b0, 0xd5a5fc8f189d, 0x7ef5e9cbd0c60, 0x78595a6804c9e, 0x2b8324804fc1d}};

}  // namespace vigil::crypto
