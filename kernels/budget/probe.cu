// Each field operation of vk_field.h as its own kernel, so that the PTX of
// one operation can be read apart from the rest (paper_estimate.py compiles
// this with -ptx once per field representation, VK_FIELD=51 or 25).
#include "kernels/vk_field.h"

extern "C" __global__ void probe_mul(vk_fe* out, const vk_fe* a, const vk_fe* b) {
  vk_fe x = *a, y = *b, r;
  vk_fe_mul(&r, &x, &y);
  *out = r;
}

extern "C" __global__ void probe_sq(vk_fe* out, const vk_fe* a) {
  vk_fe x = *a, r;
  vk_fe_sq(&r, &x);
  *out = r;
}

extern "C" __global__ void probe_add(vk_fe* out, const vk_fe* a, const vk_fe* b) {
  vk_fe x = *a, y = *b, r;
  vk_fe_add(&r, &x, &y);
  *out = r;
}

extern "C" __global__ void probe_sub(vk_fe* out, const vk_fe* a, const vk_fe* b) {
  vk_fe x = *a, y = *b, r;
  vk_fe_sub(&r, &x, &y);
  *out = r;
}

extern "C" __global__ void probe_tobytes(vigil_u8* out, const vk_fe* a) {
  vk_fe x = *a;
  vigil_u8 s[32];
  vk_fe_tobytes(s, &x);
  for (int i = 0; i < 32; ++i) out[i] = s[i];
}
