/* The Ed25519 group, -x^2 + y^2 = 1 + d x^2 y^2, in extended coordinates
 * (X:Y:Z:T), x = X/Z, y = Y/Z, xy = T/Z. Addition and doubling are the
 * Hisil-Wong-Carter-Dawson formulas for a = -1, complete on this curve, so
 * small-order and mixed-order points need no special cases. Variable time:
 * verification handles public data only. */
#ifndef VIGIL_KERNELS_GROUP_H
#define VIGIL_KERNELS_GROUP_H

#include "vk_field.h"

typedef struct {
  vk_fe X, Y, Z, T;
} vk_ge;

VK_DEVICE void vk_ge_identity(vk_ge* p) {
  vk_fe_0(&p->X);
  vk_fe_1(&p->Y);
  vk_fe_1(&p->Z);
  vk_fe_0(&p->T);
}

VK_DEVICE void vk_ge_base(vk_ge* p) {
  vk_fe_base_x(&p->X);
  vk_fe_base_y(&p->Y);
  vk_fe_1(&p->Z);
  vk_fe_base_t(&p->T);
}

VK_DEVICE void vk_ge_copy(vk_ge* r, const vk_ge* p) {
  vk_fe_copy(&r->X, &p->X);
  vk_fe_copy(&r->Y, &p->Y);
  vk_fe_copy(&r->Z, &p->Z);
  vk_fe_copy(&r->T, &p->T);
}

VK_DEVICE void vk_ge_neg(vk_ge* r, const vk_ge* p) {
  vk_fe_neg(&r->X, &p->X);
  vk_fe_copy(&r->Y, &p->Y);
  vk_fe_copy(&r->Z, &p->Z);
  vk_fe_neg(&r->T, &p->T);
}

/* dbl-2008-hwcd with a = -1; r may alias p. Doubling never reads T, so a
 * doubling followed by another doubling skips computing it (with_t = 0). */
VK_DEVICE VK_NOINLINE void vk_ge_dbl_t(vk_ge* r, const vk_ge* p, int with_t) {
  vk_fe a, b, c, e, f, g, h;
  vk_fe_sq(&a, &p->X);
  vk_fe_sq(&b, &p->Y);
  vk_fe_sq(&c, &p->Z);
  vk_fe_add(&c, &c, &c);
  vk_fe_add(&e, &p->X, &p->Y);
  vk_fe_sq(&e, &e);
  vk_fe_sub(&e, &e, &a);
  vk_fe_sub(&e, &e, &b); /* E = 2XY */
  vk_fe_sub(&g, &b, &a); /* G = -A + B */
  vk_fe_sub(&f, &g, &c); /* F = G - C */
  vk_fe_add(&h, &a, &b);
  vk_fe_neg(&h, &h); /* H = -A - B */
  vk_fe_mul(&r->X, &e, &f);
  vk_fe_mul(&r->Y, &g, &h);
  if (with_t) vk_fe_mul(&r->T, &e, &h);
  vk_fe_mul(&r->Z, &f, &g);
}

VK_DEVICE void vk_ge_dbl(vk_ge* r, const vk_ge* p) {
  vk_ge_dbl_t(r, p, 1);
}

/* A point prepared for additions: (Y + X, Y - X, Z, 2dT). Its negative is
 * the same four values with the first two swapped and the last negated. */
typedef struct {
  vk_fe ypx, ymx, z, t2d;
} vk_ge_cached;

VK_DEVICE VK_NOINLINE void vk_ge_to_cached(vk_ge_cached* c, const vk_ge* p) {
  vk_fe d2;
  vk_fe_add(&c->ypx, &p->Y, &p->X);
  vk_fe_sub(&c->ymx, &p->Y, &p->X);
  vk_fe_copy(&c->z, &p->Z);
  vk_fe_d2(&d2);
  vk_fe_mul(&c->t2d, &p->T, &d2);
}

/* r = p + q (neg = 0) or p - q (neg = 1), add-2008-hwcd-3 with q's parts
 * precomputed; r may alias p. */
VK_DEVICE VK_NOINLINE void vk_ge_add_cached(vk_ge* r, const vk_ge* p, const vk_ge_cached* q,
                                            int neg) {
  vk_fe a, b, c, d, e, f, g, h;
  vk_fe_sub(&a, &p->Y, &p->X);
  vk_fe_mul(&a, &a, neg ? &q->ypx : &q->ymx);
  vk_fe_add(&b, &p->Y, &p->X);
  vk_fe_mul(&b, &b, neg ? &q->ymx : &q->ypx);
  vk_fe_mul(&c, &p->T, &q->t2d);
  if (neg) vk_fe_neg(&c, &c);
  vk_fe_mul(&d, &p->Z, &q->z);
  vk_fe_add(&d, &d, &d);
  vk_fe_sub(&e, &b, &a);
  vk_fe_sub(&f, &d, &c);
  vk_fe_add(&g, &d, &c);
  vk_fe_add(&h, &b, &a);
  vk_fe_mul(&r->X, &e, &f);
  vk_fe_mul(&r->Y, &g, &h);
  vk_fe_mul(&r->T, &e, &h);
  vk_fe_mul(&r->Z, &f, &g);
}

/* Decodes 32 bytes: y from bits 0..254 (reduced mod p, so non-canonical y is
 * accepted here; strict callers check canonicity first), x from the curve
 * equation and the sign bit. Returns 0 when x^2 has no root. x = 0 with the
 * sign bit set decodes to x = 0, as libsodium and ZIP 215 both do. */
VK_DEVICE VK_NOINLINE int vk_ge_decode(vk_ge* p, const vigil_u8* s) {
  vk_fe u, v, v3, vxx, t, one;
  vk_fe_1(&one);
  vk_fe_frombytes(&p->Y, s);
  vk_fe_1(&p->Z);
  vk_fe_sq(&u, &p->Y);
  vk_fe_d(&t);
  vk_fe_mul(&v, &u, &t);
  vk_fe_sub(&u, &u, &one); /* u = y^2 - 1 */
  vk_fe_add(&v, &v, &one); /* v = d y^2 + 1 */
  vk_fe_sq(&v3, &v);
  vk_fe_mul(&v3, &v3, &v); /* v^3 */
  vk_fe_sq(&p->X, &v3);
  vk_fe_mul(&p->X, &p->X, &v);
  vk_fe_mul(&p->X, &p->X, &u); /* u v^7 */
  vk_fe_pow22523(&p->X, &p->X);
  vk_fe_mul(&p->X, &p->X, &v3);
  vk_fe_mul(&p->X, &p->X, &u); /* x = u v^3 (u v^7)^((p-5)/8) */
  vk_fe_sq(&vxx, &p->X);
  vk_fe_mul(&vxx, &vxx, &v);
  vk_fe_sub(&t, &vxx, &u);
  if (!vk_fe_iszero(&t)) {
    vk_fe_add(&t, &vxx, &u);
    if (!vk_fe_iszero(&t)) return 0;
    vk_fe_sqrtm1(&t);
    vk_fe_mul(&p->X, &p->X, &t);
  }
  if (vk_fe_isnegative(&p->X) != (s[31] >> 7)) vk_fe_neg(&p->X, &p->X);
  vk_fe_mul(&p->T, &p->X, &p->Y);
  return 1;
}

VK_DEVICE VK_NOINLINE void vk_ge_encode(vigil_u8* s, const vk_ge* p) {
  vk_fe zi, x, y;
  vk_fe_invert(&zi, &p->Z);
  vk_fe_mul(&x, &p->X, &zi);
  vk_fe_mul(&y, &p->Y, &zi);
  vk_fe_tobytes(s, &y);
  s[31] ^= (vigil_u8)(vk_fe_isnegative(&x) << 7);
}

VK_DEVICE int vk_ge_is_identity(const vk_ge* p) {
  vk_fe t;
  vk_fe_sub(&t, &p->Y, &p->Z);
  return vk_fe_iszero(&p->X) && vk_fe_iszero(&t);
}

/* Signed radix-16 digits of a scalar below 2^255: 64 digits in [-8, 8]
 * with a = sum e[i] 16^i (ref10's recoding). */
VK_DEVICE void vk_sc_signed_radix16(signed char* e, const vigil_u8* a) {
  for (int i = 0; i < 32; ++i) {
    e[2 * i] = (signed char)(a[i] & 15);
    e[2 * i + 1] = (signed char)((a[i] >> 4) & 15);
  }
  int carry = 0;
  for (int i = 0; i < 63; ++i) {
    e[i] = (signed char)(e[i] + carry);
    carry = (e[i] + 8) >> 4;
    e[i] = (signed char)(e[i] - (carry << 4));
  }
  e[63] = (signed char)(e[63] + carry);
}

/* t[j] = (j + 1) P for j = 0..7, cached. */
VK_DEVICE void vk_ge_table8(vk_ge_cached* t, const vk_ge* p) {
  vk_ge acc;
  vk_ge_copy(&acc, p);
  vk_ge_to_cached(&t[0], p);
  for (int j = 1; j < 8; ++j) {
    vk_ge_add_cached(&acc, &acc, &t[0], 0);
    vk_ge_to_cached(&t[j], &acc);
  }
}

/* r = [a]P + [b]B for scalars a, b below 2^255 (little-endian): Straus with
 * signed 4-bit windows on both scalars, 252 doublings shared, tables of
 * eight cached multiples (2.5 KB per work-item). */
VK_DEVICE VK_NOINLINE void vk_ge_double_scalarmult(vk_ge* r, const vigil_u8* a, const vk_ge* p,
                                                   const vigil_u8* b) {
  vk_ge_cached tp[8], tb[8];
  signed char ea[64], eb[64];
  vk_ge base;
  vk_ge_base(&base);
  vk_ge_table8(tp, p);
  vk_ge_table8(tb, &base);
  vk_sc_signed_radix16(ea, a);
  vk_sc_signed_radix16(eb, b);
  vk_ge_identity(r);
  for (int w = 63; w >= 0; --w) {
    if (w != 63) {
      vk_ge_dbl_t(r, r, 0);
      vk_ge_dbl_t(r, r, 0);
      vk_ge_dbl_t(r, r, 0);
      vk_ge_dbl_t(r, r, 1);
    }
    int da = ea[w], db = eb[w];
    if (da > 0) vk_ge_add_cached(r, r, &tp[da - 1], 0);
    if (da < 0) vk_ge_add_cached(r, r, &tp[-da - 1], 1);
    if (db > 0) vk_ge_add_cached(r, r, &tb[db - 1], 0);
    if (db < 0) vk_ge_add_cached(r, r, &tb[-db - 1], 1);
  }
}

#endif /* VIGIL_KERNELS_GROUP_H */
