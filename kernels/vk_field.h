/* Arithmetic in GF(2^255 - 19): five 51-bit limbs in 64-bit words. Products
 * are 128 bits wide, kept as (lo, hi) pairs built with vk_mulhi64, because GPU
 * OpenCL has no 128-bit integer. Outputs of every operation are weakly
 * reduced (limbs < 2^52); vk_fe_tobytes gives the canonical encoding. */
#ifndef VIGIL_KERNELS_FIELD_H
#define VIGIL_KERNELS_FIELD_H

#include "vendor.h"

#define VK_MASK51 ((vigil_u64)0x7ffffffffffffULL)

typedef struct {
  vigil_u64 v[5];
} vk_fe;

typedef struct {
  vigil_u64 lo, hi;
} vk_u128;

VK_DEVICE void vk_mac(vk_u128* acc, vigil_u64 a, vigil_u64 b) {
  vigil_u64 lo = a * b;
  vigil_u64 hi = vk_mulhi64(a, b);
  acc->lo += lo;
  acc->hi += hi + (acc->lo < lo ? 1u : 0u);
}

VK_DEVICE vigil_u64 vk_shr51(const vk_u128* x) {
  return (x->lo >> 51) | (x->hi << 13);
}

VK_DEVICE void vk_fe_set(vk_fe* h, vigil_u64 a0, vigil_u64 a1, vigil_u64 a2, vigil_u64 a3,
                         vigil_u64 a4) {
  h->v[0] = a0;
  h->v[1] = a1;
  h->v[2] = a2;
  h->v[3] = a3;
  h->v[4] = a4;
}

VK_DEVICE void vk_fe_0(vk_fe* h) {
  vk_fe_set(h, 0, 0, 0, 0, 0);
}
VK_DEVICE void vk_fe_1(vk_fe* h) {
  vk_fe_set(h, 1, 0, 0, 0, 0);
}

/* Carries so that every limb is below 2^51 + 2^13 * 19. */
VK_DEVICE void vk_fe_carry(vk_fe* h) {
  vigil_u64 c;
  c = h->v[0] >> 51;
  h->v[0] &= VK_MASK51;
  h->v[1] += c;
  c = h->v[1] >> 51;
  h->v[1] &= VK_MASK51;
  h->v[2] += c;
  c = h->v[2] >> 51;
  h->v[2] &= VK_MASK51;
  h->v[3] += c;
  c = h->v[3] >> 51;
  h->v[3] &= VK_MASK51;
  h->v[4] += c;
  c = h->v[4] >> 51;
  h->v[4] &= VK_MASK51;
  h->v[0] += c * 19;
}

VK_DEVICE void vk_fe_add(vk_fe* h, const vk_fe* f, const vk_fe* g) {
  for (int i = 0; i < 5; ++i) h->v[i] = f->v[i] + g->v[i];
  vk_fe_carry(h);
}

/* f - g + 4p: no limb underflows for weakly reduced g. */
VK_DEVICE void vk_fe_sub(vk_fe* h, const vk_fe* f, const vk_fe* g) {
  h->v[0] = f->v[0] + 0x1fffffffffffb4ULL - g->v[0];
  for (int i = 1; i < 5; ++i) h->v[i] = f->v[i] + 0x1ffffffffffffcULL - g->v[i];
  vk_fe_carry(h);
}

VK_DEVICE void vk_fe_neg(vk_fe* h, const vk_fe* f) {
  vk_fe z;
  vk_fe_0(&z);
  vk_fe_sub(h, &z, f);
}

VK_DEVICE void vk_fe_copy(vk_fe* h, const vk_fe* f) {
  for (int i = 0; i < 5; ++i) h->v[i] = f->v[i];
}

/* Folds five 128-bit column sums into a weakly reduced element. */
VK_DEVICE void vk_fe_carry_wide(vk_fe* h, vk_u128* r0, vk_u128* r1, vk_u128* r2, vk_u128* r3,
                                vk_u128* r4) {
  vigil_u64 c;
  vigil_u64 h0 = r0->lo & VK_MASK51;
  c = vk_shr51(r0);
  r1->lo += c;
  r1->hi += (r1->lo < c) ? 1u : 0u;
  vigil_u64 h1 = r1->lo & VK_MASK51;
  c = vk_shr51(r1);
  r2->lo += c;
  r2->hi += (r2->lo < c) ? 1u : 0u;
  vigil_u64 h2 = r2->lo & VK_MASK51;
  c = vk_shr51(r2);
  r3->lo += c;
  r3->hi += (r3->lo < c) ? 1u : 0u;
  vigil_u64 h3 = r3->lo & VK_MASK51;
  c = vk_shr51(r3);
  r4->lo += c;
  r4->hi += (r4->lo < c) ? 1u : 0u;
  vigil_u64 h4 = r4->lo & VK_MASK51;
  c = vk_shr51(r4);
  h0 += c * 19;
  c = h0 >> 51;
  h0 &= VK_MASK51;
  h1 += c;
  vk_fe_set(h, h0, h1, h2, h3, h4);
}

VK_DEVICE void vk_fe_mul(vk_fe* h, const vk_fe* f, const vk_fe* g) {
  vigil_u64 f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
  vigil_u64 g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
  vigil_u64 g1_19 = g1 * 19, g2_19 = g2 * 19, g3_19 = g3 * 19, g4_19 = g4 * 19;
  vk_u128 r0 = {0, 0}, r1 = {0, 0}, r2 = {0, 0}, r3 = {0, 0}, r4 = {0, 0};
  vk_mac(&r0, f0, g0);
  vk_mac(&r0, f1, g4_19);
  vk_mac(&r0, f2, g3_19);
  vk_mac(&r0, f3, g2_19);
  vk_mac(&r0, f4, g1_19);
  vk_mac(&r1, f0, g1);
  vk_mac(&r1, f1, g0);
  vk_mac(&r1, f2, g4_19);
  vk_mac(&r1, f3, g3_19);
  vk_mac(&r1, f4, g2_19);
  vk_mac(&r2, f0, g2);
  vk_mac(&r2, f1, g1);
  vk_mac(&r2, f2, g0);
  vk_mac(&r2, f3, g4_19);
  vk_mac(&r2, f4, g3_19);
  vk_mac(&r3, f0, g3);
  vk_mac(&r3, f1, g2);
  vk_mac(&r3, f2, g1);
  vk_mac(&r3, f3, g0);
  vk_mac(&r3, f4, g4_19);
  vk_mac(&r4, f0, g4);
  vk_mac(&r4, f1, g3);
  vk_mac(&r4, f2, g2);
  vk_mac(&r4, f3, g1);
  vk_mac(&r4, f4, g0);
  vk_fe_carry_wide(h, &r0, &r1, &r2, &r3, &r4);
}

/* Squaring: 15 products instead of 25, the cross terms doubled. */
VK_DEVICE void vk_fe_sq(vk_fe* h, const vk_fe* f) {
  vigil_u64 f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
  vigil_u64 f0_2 = 2 * f0, f1_2 = 2 * f1, f2_2 = 2 * f2, f3_2 = 2 * f3;
  vigil_u64 f3_19 = 19 * f3, f4_19 = 19 * f4;
  vk_u128 r0 = {0, 0}, r1 = {0, 0}, r2 = {0, 0}, r3 = {0, 0}, r4 = {0, 0};
  vk_mac(&r0, f0, f0);
  vk_mac(&r0, f1_2, f4_19);
  vk_mac(&r0, f2_2, f3_19);
  vk_mac(&r1, f0_2, f1);
  vk_mac(&r1, f2_2, f4_19);
  vk_mac(&r1, f3, f3_19);
  vk_mac(&r2, f0_2, f2);
  vk_mac(&r2, f1, f1);
  vk_mac(&r2, f3_2, f4_19);
  vk_mac(&r3, f0_2, f3);
  vk_mac(&r3, f1_2, f2);
  vk_mac(&r3, f4, f4_19);
  vk_mac(&r4, f0_2, f4);
  vk_mac(&r4, f1_2, f3);
  vk_mac(&r4, f2, f2);
  vk_fe_carry_wide(h, &r0, &r1, &r2, &r3, &r4);
}

VK_DEVICE void vk_fe_sqn(vk_fe* h, const vk_fe* f, int n) {
  vk_fe_sq(h, f);
  for (int i = 1; i < n; ++i) vk_fe_sq(h, h);
}

/* Loads 32 little-endian bytes, ignoring bit 255; values >= p are kept as
 * they are (arithmetic is mod p), which is what ZIP 215 asks for. */
VK_DEVICE void vk_fe_frombytes(vk_fe* h, const vigil_u8* s) {
  vigil_u64 w[4];
  for (int i = 0; i < 4; ++i) {
    vigil_u64 x = 0;
    for (int j = 7; j >= 0; --j) x = (x << 8) | s[8 * i + j];
    w[i] = x;
  }
  w[3] &= 0x7fffffffffffffffULL;
  h->v[0] = w[0] & VK_MASK51;
  h->v[1] = ((w[0] >> 51) | (w[1] << 13)) & VK_MASK51;
  h->v[2] = ((w[1] >> 38) | (w[2] << 26)) & VK_MASK51;
  h->v[3] = ((w[2] >> 25) | (w[3] << 39)) & VK_MASK51;
  h->v[4] = w[3] >> 12;
}

/* The canonical encoding (value mod p, < p). */
VK_DEVICE void vk_fe_tobytes(vigil_u8* s, const vk_fe* f) {
  vk_fe h;
  vk_fe_copy(&h, f);
  vk_fe_carry(&h);
  vk_fe_carry(&h);
  /* Now h < 2^255 + small; q = 1 exactly when h >= p. */
  vigil_u64 q = (h.v[0] + 19) >> 51;
  q = (h.v[1] + q) >> 51;
  q = (h.v[2] + q) >> 51;
  q = (h.v[3] + q) >> 51;
  q = (h.v[4] + q) >> 51;
  h.v[0] += 19 * q;
  vigil_u64 c;
  c = h.v[0] >> 51;
  h.v[0] &= VK_MASK51;
  h.v[1] += c;
  c = h.v[1] >> 51;
  h.v[1] &= VK_MASK51;
  h.v[2] += c;
  c = h.v[2] >> 51;
  h.v[2] &= VK_MASK51;
  h.v[3] += c;
  c = h.v[3] >> 51;
  h.v[3] &= VK_MASK51;
  h.v[4] += c;
  h.v[4] &= VK_MASK51;
  vigil_u64 w0 = h.v[0] | (h.v[1] << 51);
  vigil_u64 w1 = (h.v[1] >> 13) | (h.v[2] << 38);
  vigil_u64 w2 = (h.v[2] >> 26) | (h.v[3] << 25);
  vigil_u64 w3 = (h.v[3] >> 39) | (h.v[4] << 12);
  for (int j = 0; j < 8; ++j) {
    s[j] = (vigil_u8)(w0 >> (8 * j));
    s[8 + j] = (vigil_u8)(w1 >> (8 * j));
    s[16 + j] = (vigil_u8)(w2 >> (8 * j));
    s[24 + j] = (vigil_u8)(w3 >> (8 * j));
  }
}

VK_DEVICE int vk_fe_iszero(const vk_fe* f) {
  vigil_u8 s[32];
  vk_fe_tobytes(s, f);
  vigil_u8 acc = 0;
  for (int i = 0; i < 32; ++i) acc |= s[i];
  return acc == 0;
}

VK_DEVICE int vk_fe_isnegative(const vk_fe* f) {
  vigil_u8 s[32];
  vk_fe_tobytes(s, f);
  return s[0] & 1;
}

/* z^(p-2) = z^(2^255-21) and z^((p-5)/8) = z^(2^252-3), ref10's chains:
 * both share the prefix up to z^(2^250-1). */
VK_DEVICE void vk_fe_pow_prefix(vk_fe* t1_out, vk_fe* z11_out, const vk_fe* z) {
  vk_fe t0, t1, t2, t3;
  vk_fe_sq(&t0, z);         /* 2 */
  vk_fe_sqn(&t1, &t0, 2);   /* 8 */
  vk_fe_mul(&t1, z, &t1);   /* 9 */
  vk_fe_mul(&t0, &t0, &t1); /* 11 */
  vk_fe_copy(z11_out, &t0);
  vk_fe_sq(&t2, &t0);       /* 22 */
  vk_fe_mul(&t1, &t1, &t2); /* 2^5 - 1 */
  vk_fe_sqn(&t2, &t1, 5);
  vk_fe_mul(&t1, &t2, &t1); /* 2^10 - 1 */
  vk_fe_sqn(&t2, &t1, 10);
  vk_fe_mul(&t2, &t2, &t1); /* 2^20 - 1 */
  vk_fe_sqn(&t3, &t2, 20);
  vk_fe_mul(&t2, &t3, &t2); /* 2^40 - 1 */
  vk_fe_sqn(&t2, &t2, 10);
  vk_fe_mul(&t1, &t2, &t1); /* 2^50 - 1 */
  vk_fe_sqn(&t2, &t1, 50);
  vk_fe_mul(&t2, &t2, &t1); /* 2^100 - 1 */
  vk_fe_sqn(&t3, &t2, 100);
  vk_fe_mul(&t2, &t3, &t2); /* 2^200 - 1 */
  vk_fe_sqn(&t2, &t2, 50);
  vk_fe_mul(t1_out, &t2, &t1); /* 2^250 - 1 */
}

VK_DEVICE void vk_fe_invert(vk_fe* out, const vk_fe* z) {
  vk_fe t1, z11;
  vk_fe_pow_prefix(&t1, &z11, z);
  vk_fe_sqn(&t1, &t1, 5);    /* 2^255 - 32 */
  vk_fe_mul(out, &t1, &z11); /* 2^255 - 21 */
}

VK_DEVICE void vk_fe_pow22523(vk_fe* out, const vk_fe* z) {
  vk_fe t1, z11;
  vk_fe_pow_prefix(&t1, &z11, z);
  vk_fe_sqn(&t1, &t1, 2); /* 2^252 - 4 */
  vk_fe_mul(out, &t1, z); /* 2^252 - 3 */
}

#endif /* VIGIL_KERNELS_FIELD_H */
