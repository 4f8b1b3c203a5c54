/* Arithmetic in GF(2^255 - 19) for the kernels, in one of two field
 * representations chosen at build time (kernels/README.md "Field
 * representations"):
 *
 *   VK_FIELD=51 (default)  vk_fe51.h: 5 x 51-bit limbs, 64 x 64 -> 128-bit products
 *   VK_FIELD=25            vk_fe25.h: 10 limbs of radix 2^25.5, 32 x 32 -> 64-bit products
 *
 * Each representation defines vk_fe, VK_FE_LIMBS, VK_FIELD_NAME, the curve
 * constants (VK_FE_D, ...), carry, add, sub, mul, sq, frombytes and tobytes with the same
 * contract (weakly reduced outputs, canonical tobytes); what follows is
 * written once on top of them. */
#ifndef VIGIL_KERNELS_FIELD_H
#define VIGIL_KERNELS_FIELD_H

#if !defined(VK_FIELD) || VK_FIELD == 51
#include "vk_fe51.h"
#elif VK_FIELD == 25
#include "vk_fe25.h"
#else
#error "VK_FIELD must be 51 or 25"
#endif

#define VK_FE_CONSTANT(name, limbs) \
  VK_DEVICE void name(vk_fe* h) {   \
    const vk_fe c = {{limbs}};      \
    *h = c;                         \
  }
VK_FE_CONSTANT(vk_fe_d, VK_FE_D)
VK_FE_CONSTANT(vk_fe_d2, VK_FE_D2)
VK_FE_CONSTANT(vk_fe_sqrtm1, VK_FE_SQRTM1)
VK_FE_CONSTANT(vk_fe_base_x, VK_FE_BASE_X)
VK_FE_CONSTANT(vk_fe_base_y, VK_FE_BASE_Y)
VK_FE_CONSTANT(vk_fe_base_t, VK_FE_BASE_T)
#undef VK_FE_CONSTANT

VK_DEVICE void vk_fe_copy(vk_fe* h, const vk_fe* f) {
  for (int i = 0; i < VK_FE_LIMBS; ++i) h->v[i] = f->v[i];
}

/* h = x for a small x (below 2^25). */
VK_DEVICE void vk_fe_small(vk_fe* h, vigil_u32 x) {
  for (int i = 1; i < VK_FE_LIMBS; ++i) h->v[i] = 0;
  h->v[0] = x;
}

VK_DEVICE void vk_fe_0(vk_fe* h) {
  vk_fe_small(h, 0);
}
VK_DEVICE void vk_fe_1(vk_fe* h) {
  vk_fe_small(h, 1);
}

VK_DEVICE void vk_fe_neg(vk_fe* h, const vk_fe* f) {
  vk_fe z;
  vk_fe_0(&z);
  vk_fe_sub(h, &z, f);
}

VK_DEVICE void vk_fe_sqn(vk_fe* h, const vk_fe* f, int n) {
  vk_fe_sq(h, f);
  for (int i = 1; i < n; ++i) vk_fe_sq(h, h);
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
VK_DEVICE VK_NOINLINE void vk_fe_pow_prefix(vk_fe* t1_out, vk_fe* z11_out, const vk_fe* z) {
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
