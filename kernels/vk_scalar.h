/* Scalars mod L = 2^252 + 27742317777372353535851937790883648493, the order
 * of the Ed25519 base point: the S < L check and the reduction of the
 * 512-bit hash k. The reduction is shift-and-subtract, one bit at a time:
 * obviously right, branch-light, and small next to the scalar
 * multiplication that follows it. */
#ifndef VIGIL_KERNELS_SCALAR_H
#define VIGIL_KERNELS_SCALAR_H

#include "vendor.h"

#define VK_L0 0x5812631a5cf5d3edULL
#define VK_L1 0x14def9dea2f79cd6ULL
#define VK_L2 0ULL
#define VK_L3 0x1000000000000000ULL

VK_DEVICE vigil_u64 vk_load64_le(const vigil_u8* s) {
  vigil_u64 x = 0;
  for (int j = 7; j >= 0; --j) x = (x << 8) | s[j];
  return x;
}

/* 1 when the 256-bit little-endian s is below L. */
VK_DEVICE int vk_sc_is_canonical(const vigil_u8* s) {
  vigil_u64 w[4], l[4] = {VK_L0, VK_L1, VK_L2, VK_L3};
  for (int i = 0; i < 4; ++i) w[i] = vk_load64_le(s + 8 * i);
  for (int i = 3; i >= 0; --i) {
    if (w[i] < l[i]) return 1;
    if (w[i] > l[i]) return 0;
  }
  return 0; /* equal to L */
}

/* out = (64-byte little-endian h) mod L, 32 bytes little-endian. */
VK_DEVICE void vk_sc_reduce512(vigil_u8* out, const vigil_u8* h) {
  vigil_u64 r[4] = {0, 0, 0, 0};
  const vigil_u64 l[4] = {VK_L0, VK_L1, VK_L2, VK_L3};
  for (int bit = 511; bit >= 0; --bit) {
    /* r = 2r + bit; r < L < 2^253, so 2r + 1 < 2^254 fits in four words. */
    r[3] = (r[3] << 1) | (r[2] >> 63);
    r[2] = (r[2] << 1) | (r[1] >> 63);
    r[1] = (r[1] << 1) | (r[0] >> 63);
    r[0] = (r[0] << 1) | ((h[bit >> 3] >> (bit & 7)) & 1);
    int ge = 1;
    for (int i = 3; i >= 0; --i) {
      if (r[i] != l[i]) {
        ge = r[i] > l[i];
        break;
      }
    }
    if (ge) {
      vigil_u64 borrow = 0;
      for (int i = 0; i < 4; ++i) {
        vigil_u64 d = r[i] - l[i];
        vigil_u64 b1 = r[i] < l[i];
        vigil_u64 d2 = d - borrow;
        vigil_u64 b2 = d < borrow;
        r[i] = d2;
        borrow = b1 | b2;
      }
    }
  }
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 8; ++j) out[8 * i + j] = (vigil_u8)(r[i] >> (8 * j));
}

#endif /* VIGIL_KERNELS_SCALAR_H */
