/* GF(2^255 - 19) as ten limbs of radix 2^25.5 in 32-bit words (the field
 * representation "fe25"; vk_field.h picks one), as ref10 and
 * solana-perf-libs hold it: limb i has weight 2^ceil(25.5 i), 26 bits when i
 * is even, 25 when odd. Every product is 32 x 32 -> 64 bits, one wide
 * multiply-add on a GPU, where fe51's 64-bit products cost several.
 *
 * Bounds (all unsigned): outputs are weakly reduced, even limbs < 2^26 + 2^9,
 * odd limbs < 2^25 + 2^16. For such inputs 19 g and 2 f fit 32 bits and the
 * ten terms of a column sum stay below 2^60. */
#ifndef VIGIL_KERNELS_FE25_H
#define VIGIL_KERNELS_FE25_H

#include "vendor.h"

#define VK_FE_LIMBS 10
#define VK_FIELD_NAME "fe25"
#define VK_MASK25 ((vigil_u32)0x1ffffff)
#define VK_MASK26 ((vigil_u32)0x3ffffff)

typedef struct {
  vigil_u32 v[VK_FE_LIMBS];
} vk_fe;

/* Bit offset and width of limb i. */
VK_DEVICE int vk_fe25_off(int i) {
  return (51 * i + 1) / 2;
}
VK_DEVICE int vk_fe25_width(int i) {
  return 26 - (i & 1);
}

/* The curve's constants in this representation, limb by limb (vk_field.h
 * makes vk_fe_d() and the others of them): d, 2d, sqrt(-1) and the base
 * point's coordinates (x, y, xy). */
#define VK_FE_D \
  56195235, 13857412, 51736253, 6949390, 114729, 24766616, 60832955, 30306712, 48412415, 21499315
#define VK_FE_D2 \
  45281625, 27714825, 36363642, 13898781, 229458, 15978800, 54557047, 27058993, 29715967, 9444199
#define VK_FE_SQRTM1 \
  34513072, 25610706, 9377949, 3500415, 12389472, 33281959, 41962654, 31548777, 326685, 11406482
#define VK_FE_BASE_X \
  52811034, 25909283, 16144682, 17082669, 27570973, 30858332, 40966398, 8378388, 20764389, 8758491
#define VK_FE_BASE_Y \
  40265304, 26843545, 13421772, 20132659, 26843545, 6710886, 53687091, 13421772, 40265318, 26843545
#define VK_FE_BASE_T \
  28827043, 27438313, 39759291, 244362, 8635006, 11264893, 19351346, 13413597, 16611511, 27139452

/* Carries limbs below 2^29 into the weakly reduced form. */
VK_DEVICE void vk_fe_carry(vk_fe* h) {
  vigil_u32 c;
  for (int i = 0; i < 9; ++i) {
    c = h->v[i] >> vk_fe25_width(i);
    h->v[i] &= (i & 1) ? VK_MASK25 : VK_MASK26;
    h->v[i + 1] += c;
  }
  c = h->v[9] >> 25;
  h->v[9] &= VK_MASK25;
  h->v[0] += c * 19;
}

VK_DEVICE void vk_fe_add(vk_fe* h, const vk_fe* f, const vk_fe* g) {
  vk_count_op(add);
  for (int i = 0; i < 10; ++i) h->v[i] = f->v[i] + g->v[i];
  vk_fe_carry(h);
}

/* f - g + 4p: no limb underflows for weakly reduced g. */
VK_DEVICE void vk_fe_sub(vk_fe* h, const vk_fe* f, const vk_fe* g) {
  vk_count_op(sub);
  h->v[0] = f->v[0] + 0xfffffb4u - g->v[0];
  for (int i = 1; i < 10; ++i) h->v[i] = f->v[i] + ((i & 1) ? 0x7fffffcu : 0xffffffcu) - g->v[i];
  vk_fe_carry(h);
}

/* Folds ten 64-bit column sums (each below 2^62) into a weakly reduced
 * element, in ref10's order: two interleaved carry chains. */
VK_DEVICE void vk_fe25_carry_wide(vk_fe* out, vigil_u64* h) {
  vigil_u64 c;
#define VK_CARRY(i, bits) \
  c = h[i] >> (bits);     \
  h[(i) + 1] += c;        \
  h[i] &= ((vigil_u64)1 << (bits)) - 1;
  VK_CARRY(0, 26)
  VK_CARRY(4, 26)
  VK_CARRY(1, 25)
  VK_CARRY(5, 25)
  VK_CARRY(2, 26)
  VK_CARRY(6, 26)
  VK_CARRY(3, 25)
  VK_CARRY(7, 25)
  VK_CARRY(4, 26)
  VK_CARRY(8, 26)
#undef VK_CARRY
  c = h[9] >> 25;
  h[9] &= VK_MASK25;
  h[0] += c * 19;
  c = h[0] >> 26;
  h[0] &= VK_MASK26;
  h[1] += c;
  for (int i = 0; i < 10; ++i) out->v[i] = (vigil_u32)h[i];
}

/* Schoolbook product, 100 wide multiplies: f_i g_j lands in column i + j,
 * times 2 when i and j are both odd (the half bit of the radix), times 19
 * when i + j >= 10 (2^255 = 19). */
VK_DEVICE void vk_fe_mul(vk_fe* out, const vk_fe* f, const vk_fe* g) {
  vk_count_op(mul);
  vigil_u32 f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
  vigil_u32 f5 = f->v[5], f6 = f->v[6], f7 = f->v[7], f8 = f->v[8], f9 = f->v[9];
  vigil_u32 g0 = g->v[0], g1 = g->v[1], g2 = g->v[2], g3 = g->v[3], g4 = g->v[4];
  vigil_u32 g5 = g->v[5], g6 = g->v[6], g7 = g->v[7], g8 = g->v[8], g9 = g->v[9];
  vigil_u32 f1_2 = 2 * f1, f3_2 = 2 * f3, f5_2 = 2 * f5, f7_2 = 2 * f7, f9_2 = 2 * f9;
  vigil_u32 g1_19 = 19 * g1, g2_19 = 19 * g2, g3_19 = 19 * g3, g4_19 = 19 * g4, g5_19 = 19 * g5;
  vigil_u32 g6_19 = 19 * g6, g7_19 = 19 * g7, g8_19 = 19 * g8, g9_19 = 19 * g9;
  vigil_u64 h0 = (vigil_u64)f0 * g0 + (vigil_u64)f1_2 * g9_19 + (vigil_u64)f2 * g8_19 +
                 (vigil_u64)f3_2 * g7_19 + (vigil_u64)f4 * g6_19 + (vigil_u64)f5_2 * g5_19 +
                 (vigil_u64)f6 * g4_19 + (vigil_u64)f7_2 * g3_19 + (vigil_u64)f8 * g2_19 +
                 (vigil_u64)f9_2 * g1_19;
  vigil_u64 h1 = (vigil_u64)f0 * g1 + (vigil_u64)f1 * g0 + (vigil_u64)f2 * g9_19 +
                 (vigil_u64)f3 * g8_19 + (vigil_u64)f4 * g7_19 + (vigil_u64)f5 * g6_19 +
                 (vigil_u64)f6 * g5_19 + (vigil_u64)f7 * g4_19 + (vigil_u64)f8 * g3_19 +
                 (vigil_u64)f9 * g2_19;
  vigil_u64 h2 = (vigil_u64)f0 * g2 + (vigil_u64)f1_2 * g1 + (vigil_u64)f2 * g0 +
                 (vigil_u64)f3_2 * g9_19 + (vigil_u64)f4 * g8_19 + (vigil_u64)f5_2 * g7_19 +
                 (vigil_u64)f6 * g6_19 + (vigil_u64)f7_2 * g5_19 + (vigil_u64)f8 * g4_19 +
                 (vigil_u64)f9_2 * g3_19;
  vigil_u64 h3 = (vigil_u64)f0 * g3 + (vigil_u64)f1 * g2 + (vigil_u64)f2 * g1 + (vigil_u64)f3 * g0 +
                 (vigil_u64)f4 * g9_19 + (vigil_u64)f5 * g8_19 + (vigil_u64)f6 * g7_19 +
                 (vigil_u64)f7 * g6_19 + (vigil_u64)f8 * g5_19 + (vigil_u64)f9 * g4_19;
  vigil_u64 h4 = (vigil_u64)f0 * g4 + (vigil_u64)f1_2 * g3 + (vigil_u64)f2 * g2 +
                 (vigil_u64)f3_2 * g1 + (vigil_u64)f4 * g0 + (vigil_u64)f5_2 * g9_19 +
                 (vigil_u64)f6 * g8_19 + (vigil_u64)f7_2 * g7_19 + (vigil_u64)f8 * g6_19 +
                 (vigil_u64)f9_2 * g5_19;
  vigil_u64 h5 = (vigil_u64)f0 * g5 + (vigil_u64)f1 * g4 + (vigil_u64)f2 * g3 + (vigil_u64)f3 * g2 +
                 (vigil_u64)f4 * g1 + (vigil_u64)f5 * g0 + (vigil_u64)f6 * g9_19 +
                 (vigil_u64)f7 * g8_19 + (vigil_u64)f8 * g7_19 + (vigil_u64)f9 * g6_19;
  vigil_u64 h6 = (vigil_u64)f0 * g6 + (vigil_u64)f1_2 * g5 + (vigil_u64)f2 * g4 +
                 (vigil_u64)f3_2 * g3 + (vigil_u64)f4 * g2 + (vigil_u64)f5_2 * g1 +
                 (vigil_u64)f6 * g0 + (vigil_u64)f7_2 * g9_19 + (vigil_u64)f8 * g8_19 +
                 (vigil_u64)f9_2 * g7_19;
  vigil_u64 h7 = (vigil_u64)f0 * g7 + (vigil_u64)f1 * g6 + (vigil_u64)f2 * g5 + (vigil_u64)f3 * g4 +
                 (vigil_u64)f4 * g3 + (vigil_u64)f5 * g2 + (vigil_u64)f6 * g1 + (vigil_u64)f7 * g0 +
                 (vigil_u64)f8 * g9_19 + (vigil_u64)f9 * g8_19;
  vigil_u64 h8 = (vigil_u64)f0 * g8 + (vigil_u64)f1_2 * g7 + (vigil_u64)f2 * g6 +
                 (vigil_u64)f3_2 * g5 + (vigil_u64)f4 * g4 + (vigil_u64)f5_2 * g3 +
                 (vigil_u64)f6 * g2 + (vigil_u64)f7_2 * g1 + (vigil_u64)f8 * g0 +
                 (vigil_u64)f9_2 * g9_19;
  vigil_u64 h9 = (vigil_u64)f0 * g9 + (vigil_u64)f1 * g8 + (vigil_u64)f2 * g7 + (vigil_u64)f3 * g6 +
                 (vigil_u64)f4 * g5 + (vigil_u64)f5 * g4 + (vigil_u64)f6 * g3 + (vigil_u64)f7 * g2 +
                 (vigil_u64)f8 * g1 + (vigil_u64)f9 * g0;
  vigil_u64 h[10] = {h0, h1, h2, h3, h4, h5, h6, h7, h8, h9};
  vk_fe25_carry_wide(out, h);
}

/* Squaring: 55 products, the cross terms doubled. */
VK_DEVICE void vk_fe_sq(vk_fe* out, const vk_fe* f) {
  vk_count_op(sq);
  vigil_u32 f0 = f->v[0], f1 = f->v[1], f2 = f->v[2], f3 = f->v[3], f4 = f->v[4];
  vigil_u32 f5 = f->v[5], f6 = f->v[6], f7 = f->v[7], f8 = f->v[8], f9 = f->v[9];
  vigil_u32 f0_2 = 2 * f0, f1_2 = 2 * f1, f2_2 = 2 * f2, f3_2 = 2 * f3, f4_2 = 2 * f4;
  vigil_u32 f5_2 = 2 * f5, f6_2 = 2 * f6, f7_2 = 2 * f7, f8_2 = 2 * f8;
  vigil_u32 f6_19 = 19 * f6, f7_19 = 19 * f7, f8_19 = 19 * f8, f9_19 = 19 * f9;
  vigil_u32 f5_38 = 38 * f5, f7_38 = 38 * f7, f9_38 = 38 * f9;
  vigil_u64 h0 = (vigil_u64)f0 * f0 + (vigil_u64)f1_2 * f9_38 + (vigil_u64)f2_2 * f8_19 +
                 (vigil_u64)f3_2 * f7_38 + (vigil_u64)f4_2 * f6_19 + (vigil_u64)f5 * f5_38;
  vigil_u64 h1 = (vigil_u64)f0_2 * f1 + (vigil_u64)f2_2 * f9_19 + (vigil_u64)f3_2 * f8_19 +
                 (vigil_u64)f4_2 * f7_19 + (vigil_u64)f5_2 * f6_19;
  vigil_u64 h2 = (vigil_u64)f0_2 * f2 + (vigil_u64)f1 * f1_2 + (vigil_u64)f3_2 * f9_38 +
                 (vigil_u64)f4_2 * f8_19 + (vigil_u64)f5_2 * f7_38 + (vigil_u64)f6 * f6_19;
  vigil_u64 h3 = (vigil_u64)f0_2 * f3 + (vigil_u64)f1_2 * f2 + (vigil_u64)f4_2 * f9_19 +
                 (vigil_u64)f5_2 * f8_19 + (vigil_u64)f6_2 * f7_19;
  vigil_u64 h4 = (vigil_u64)f0_2 * f4 + (vigil_u64)f1_2 * f3_2 + (vigil_u64)f2 * f2 +
                 (vigil_u64)f5_2 * f9_38 + (vigil_u64)f6_2 * f8_19 + (vigil_u64)f7 * f7_38;
  vigil_u64 h5 = (vigil_u64)f0_2 * f5 + (vigil_u64)f1_2 * f4 + (vigil_u64)f2_2 * f3 +
                 (vigil_u64)f6_2 * f9_19 + (vigil_u64)f7_2 * f8_19;
  vigil_u64 h6 = (vigil_u64)f0_2 * f6 + (vigil_u64)f1_2 * f5_2 + (vigil_u64)f2_2 * f4 +
                 (vigil_u64)f3 * f3_2 + (vigil_u64)f7_2 * f9_38 + (vigil_u64)f8 * f8_19;
  vigil_u64 h7 = (vigil_u64)f0_2 * f7 + (vigil_u64)f1_2 * f6 + (vigil_u64)f2_2 * f5 +
                 (vigil_u64)f3_2 * f4 + (vigil_u64)f8_2 * f9_19;
  vigil_u64 h8 = (vigil_u64)f0_2 * f8 + (vigil_u64)f1_2 * f7_2 + (vigil_u64)f2_2 * f6 +
                 (vigil_u64)f3_2 * f5_2 + (vigil_u64)f4 * f4 + (vigil_u64)f9 * f9_38;
  vigil_u64 h9 = (vigil_u64)f0_2 * f9 + (vigil_u64)f1_2 * f8 + (vigil_u64)f2_2 * f7 +
                 (vigil_u64)f3_2 * f6 + (vigil_u64)f4_2 * f5;
  vigil_u64 h[10] = {h0, h1, h2, h3, h4, h5, h6, h7, h8, h9};
  vk_fe25_carry_wide(out, h);
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
  for (int i = 0; i < 10; ++i) {
    const int off = vk_fe25_off(i), q = off >> 6, r = off & 63, width = vk_fe25_width(i);
    vigil_u64 x = w[q] >> r;
    if (r + width > 64) x |= w[q + 1] << (64 - r);
    h->v[i] = (vigil_u32)x & ((1u << width) - 1);
  }
}

/* The canonical encoding (value mod p, < p). */
VK_DEVICE void vk_fe_tobytes(vigil_u8* s, const vk_fe* f) {
  vk_count_op(tobytes);
  vk_fe h = *f;
  vk_fe_carry(&h);
  vk_fe_carry(&h);
  /* Now h < 2^255 + 19 < 2p; q = 1 exactly when h >= p. */
  vigil_u32 q = (h.v[0] + 19) >> 26;
  for (int i = 1; i < 10; ++i) q = (h.v[i] + q) >> vk_fe25_width(i);
  h.v[0] += 19 * q;
  for (int i = 0; i < 9; ++i) {
    h.v[i + 1] += h.v[i] >> vk_fe25_width(i);
    h.v[i] &= (i & 1) ? VK_MASK25 : VK_MASK26;
  }
  h.v[9] &= VK_MASK25; /* drops q * 2^255: h - q p */
  vigil_u64 w[4] = {0, 0, 0, 0};
  for (int i = 0; i < 10; ++i) {
    const int off = vk_fe25_off(i), q64 = off >> 6, r = off & 63;
    w[q64] |= (vigil_u64)h.v[i] << r;
    if (r + vk_fe25_width(i) > 64) w[q64 + 1] |= (vigil_u64)h.v[i] >> (64 - r);
  }
  for (int j = 0; j < 8; ++j) {
    s[j] = (vigil_u8)(w[0] >> (8 * j));
    s[8 + j] = (vigil_u8)(w[1] >> (8 * j));
    s[16 + j] = (vigil_u8)(w[2] >> (8 * j));
    s[24 + j] = (vigil_u8)(w[3] >> (8 * j));
  }
}

#endif /* VIGIL_KERNELS_FE25_H */
