// The edwards25519 group, -x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19), in
// the coordinate systems of Hisil-Wong-Carter-Dawson (extended, with the
// "completed" intermediate form and two precomputed forms for additions):
//   GeP2    (X : Y : Z)              x = X/Z, y = Y/Z
//   GeP3    (X : Y : Z : T)          extended, also T = XY/Z
//   GeP1P1  ((X : Z), (Y : T))       a sum or double before its last 3-4 muls
//   GeCached (Y+X, Y-X, Z, 2dT)      an addend for a projective point
//   GeNiels  (y+x, y-x, 2dxy)        an addend for an affine point (Z = 1)
// Additions and doublings are inline and branch-free; decoding, encoding
// and the multi-point algorithms live in their own files.
#pragma once

#include "host/crypto/fe.hpp"

namespace vigil::crypto {

struct GeP2 {
  Fe X, Y, Z;
};
struct GeP3 {
  Fe X, Y, Z, T;
};
struct GeP1P1 {
  Fe X, Y, Z, T;
};
struct GeCached {
  Fe YplusX, YminusX, Z, T2d;
};
struct GeNiels {
  Fe yplusx, yminusx, xy2d;
};

VIGIL_INLINE GeP3 ge_identity() {
  return GeP3{fe_zero(), fe_one(), fe_one(), fe_zero()};
}

VIGIL_INLINE GeP2 ge_p1p1_to_p2(const GeP1P1& p) {
  return GeP2{fe_mul(p.X, p.T), fe_mul(p.Y, p.Z), fe_mul(p.Z, p.T)};
}
VIGIL_INLINE GeP3 ge_p1p1_to_p3(const GeP1P1& p) {
  return GeP3{fe_mul(p.X, p.T), fe_mul(p.Y, p.Z), fe_mul(p.Z, p.T), fe_mul(p.X, p.Y)};
}
VIGIL_INLINE GeP2 ge_p3_to_p2(const GeP3& p) {
  return GeP2{p.X, p.Y, p.Z};
}

VIGIL_INLINE GeCached ge_p3_to_cached(const GeP3& p) {
  return GeCached{fe_add(p.Y, p.X), fe_sub(p.Y, p.X), p.Z, fe_mul(p.T, kFeD2)};
}

// 2p: XX = X^2, YY = Y^2, B = 2Z^2, AA = (X+Y)^2;
// result ((AA - YY - XX) : (B - YY + XX)), ((YY + XX) : (YY - XX)).
VIGIL_INLINE GeP1P1 ge_dbl(const GeP2& p) {
  Fe xx = fe_sq(p.X);
  Fe yy = fe_sq(p.Y);
  Fe zz = fe_sq(p.Z);
  Fe b = fe_add(zz, zz);
  Fe aa = fe_sq(fe_add(p.X, p.Y));
  GeP1P1 r;
  r.Y = fe_add(yy, xx);
  r.Z = fe_sub(yy, xx);
  r.X = fe_sub(aa, r.Y);
  r.T = fe_sub(fe_add(b, xx), yy);
  return r;
}
VIGIL_INLINE GeP1P1 ge_dbl(const GeP3& p) {
  return ge_dbl(ge_p3_to_p2(p));
}

// p + q (sign = false) or p - q (sign = true); -q swaps Y+X with Y-X and
// negates 2dT, so the subtraction is the same muls with roles swapped.
VIGIL_INLINE GeP1P1 ge_add(const GeP3& p, const GeCached& q, bool sub = false) {
  Fe ypx = fe_add(p.Y, p.X);
  Fe ymx = fe_sub(p.Y, p.X);
  Fe a = fe_mul(ypx, sub ? q.YminusX : q.YplusX);
  Fe b = fe_mul(ymx, sub ? q.YplusX : q.YminusX);
  Fe c = fe_mul(q.T2d, p.T);
  Fe zz = fe_mul(p.Z, q.Z);
  Fe d = fe_add(zz, zz);
  GeP1P1 r;
  r.X = fe_sub(a, b);
  r.Y = fe_add(a, b);
  r.Z = sub ? fe_sub(d, c) : fe_add(d, c);
  r.T = sub ? fe_add(d, c) : fe_sub(d, c);
  return r;
}

VIGIL_INLINE GeP1P1 ge_madd(const GeP3& p, const GeNiels& q, bool sub = false) {
  Fe ypx = fe_add(p.Y, p.X);
  Fe ymx = fe_sub(p.Y, p.X);
  Fe a = fe_mul(ypx, sub ? q.yminusx : q.yplusx);
  Fe b = fe_mul(ymx, sub ? q.yplusx : q.yminusx);
  Fe c = fe_mul(q.xy2d, p.T);
  Fe d = fe_add(p.Z, p.Z);
  GeP1P1 r;
  r.X = fe_sub(a, b);
  r.Y = fe_add(a, b);
  r.Z = sub ? fe_sub(d, c) : fe_add(d, c);
  r.T = sub ? fe_add(d, c) : fe_sub(d, c);
  return r;
}

VIGIL_INLINE GeP3 ge_add3(const GeP3& p, const GeP3& q) {
  return ge_p1p1_to_p3(ge_add(p, ge_p3_to_cached(q)));
}
VIGIL_INLINE GeP3 ge_dbl3(const GeP3& p) {
  return ge_p1p1_to_p3(ge_dbl(p));
}

VIGIL_INLINE GeP3 ge_neg(const GeP3& p) {
  return GeP3{fe_carry(fe_neg(p.X)), p.Y, p.Z, fe_carry(fe_neg(p.T))};
}

// The affine point (x, y) as an addend.
VIGIL_INLINE GeNiels ge_niels_from_affine(const Fe& x, const Fe& y) {
  return GeNiels{fe_add(y, x), fe_sub(y, x), fe_mul(fe_mul(x, y), kFeD2)};
}

// True when p is the identity (X = 0 and Y = Z).
VIGIL_INLINE bool ge_is_identity(const GeP3& p) {
  return fe_is_zero(p.X) && fe_equal(p.Y, p.Z);
}

// Canonical 32-byte encoding: y, with x's sign in bit 255.
void ge_tobytes(uint8_t out[32], const GeP2& p);
// The same with 1/Z already known (shared inversions).
void ge_tobytes_zinv(uint8_t out[32], const GeP2& p, const Fe& zinv);
VIGIL_INLINE void ge_tobytes(uint8_t out[32], const GeP3& p) {
  ge_tobytes(out, ge_p3_to_p2(p));
}

// Decodes y (bit 255 is x's sign) to an affine point. Accepts y >= p (as
// its residue) and x = 0 with the sign bit set (as x = 0): ZIP 215's rules.
// The strict rule set adds its checks before calling this (ed25519_rules).
// Returns false when no x exists.
bool ge_decode_affine(Fe& x, Fe& y, const uint8_t s[32]);
VIGIL_INLINE GeP3 ge_from_affine(const Fe& x, const Fe& y) {
  return GeP3{x, y, fe_one(), fe_mul(x, y)};
}

// The base point B.
const GeP3& ge_base();

}  // namespace vigil::crypto

namespace vigil::crypto {

// Affine addends for n points with one field inversion. `scratch` holds 2n
// field elements.
void ge_to_niels_batch(const GeP3* in, GeNiels* out, Fe* scratch, size_t n);

// [a]B for a secret 256-bit scalar with a[31] <= 127, in constant time
// (signed radix-16 digits, table lookups by masked selection).
GeP3 ge_scalarmult_base(const uint8_t a[32]);

// Odd multiples B, 3B, ..., 255B as affine addends: the base point's table
// for width-8 NAF in verification.
const GeNiels* ge_base_odd_multiples();

// Width-w non-adjacent form of a 256-bit scalar < 2^255: naf[i] is zero or
// odd with |naf[i]| < 2^(w-1), and sum naf[i] 2^i equals the scalar.
void ge_wnaf(int8_t naf[256], const uint8_t scalar[32], int w);

}  // namespace vigil::crypto
