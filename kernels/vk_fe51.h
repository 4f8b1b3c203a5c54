/* GF(2^255 - 19) as five 51-bit limbs in 64-bit words (the field
 * representation "fe51"; vk_field.h picks one). Products are 128 bits wide,
 * kept as (lo, hi) pairs built with vk_mulhi64, because GPU OpenCL has no
 * 128-bit integer; NVIDIA GPUs build each 64-bit product from several 32-bit
 * multiplies. Outputs of every operation are weakly reduced (limbs < 2^52);
 * vk_fe_tobytes gives the canonical encoding. */
#ifndef VIGIL_KERNELS_FE51_H
#define VIGIL_KERNELS_FE51_H

#include "vendor.h"

#define VK_MASK51 ((vigil_u64)0x7ffffffffffffULL)

#define VK_FE_LIMBS 5
#define VK_FIELD_NAME "fe51"

typedef struct {
  vigil_u64 v[VK_FE_LIMBS];
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

/* The curve's constants in this representation, limb by limb (vk_field.h
 * makes vk_fe_d() and the others of them): d, 2d, sqrt(-1) and the base
 * point's coordinates (x, y, xy). */
#define VK_FE_D                                                                     \
  929955233495203ULL, 466365720129213ULL, 1662059464998953ULL, 2033849074728123ULL, \
      1442794654840575ULL
#define VK_FE_D2                                                                     \
  1859910466990425ULL, 932731440258426ULL, 1072319116312658ULL, 1815898335770999ULL, \
      633789495995903ULL
#define VK_FE_SQRTM1                                                                 \
  1718705420411056ULL, 234908883556509ULL, 2233514472574048ULL, 2117202627021982ULL, \
      765476049583133ULL
#define VK_FE_BASE_X                                                                          \
  0x00062d608f25d51aULL, 0x000412a4b4f6592aULL, 0x00075b7171a4b31dULL, 0x0001ff60527118feULL, \
      0x000216936d3cd6e5ULL
#define VK_FE_BASE_Y                                                                          \
  0x0006666666666658ULL, 0x0004ccccccccccccULL, 0x0001999999999999ULL, 0x0003333333333333ULL, \
      0x0006666666666666ULL
#define VK_FE_BASE_T                                                                          \
  0x00068ab3a5b7dda3ULL, 0x00000eea2a5eadbbULL, 0x0002af8df483c27eULL, 0x000332b375274732ULL, \
      0x00067875f0fd78b7ULL

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
  vk_count_op(add);
  for (int i = 0; i < 5; ++i) h->v[i] = f->v[i] + g->v[i];
  vk_fe_carry(h);
}

/* f - g + 4p: no limb underflows for weakly reduced g. */
VK_DEVICE void vk_fe_sub(vk_fe* h, const vk_fe* f, const vk_fe* g) {
  vk_count_op(sub);
  h->v[0] = f->v[0] + 0x1fffffffffffb4ULL - g->v[0];
  for (int i = 1; i < 5; ++i) h->v[i] = f->v[i] + 0x1ffffffffffffcULL - g->v[i];
  vk_fe_carry(h);
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
  h->v[0] = h0;
  h->v[1] = h1;
  h->v[2] = h2;
  h->v[3] = h3;
  h->v[4] = h4;
}

VK_DEVICE void vk_fe_mul(vk_fe* h, const vk_fe* f, const vk_fe* g) {
  vk_count_op(mul);
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
  vk_count_op(sq);
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
  vk_count_op(tobytes);
  vk_fe h = *f;
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

#endif /* VIGIL_KERNELS_FE51_H */
