/* Ed25519 verification of one signature under either consensus rule set
 * (../shared/DESIGN.md "Consensus-critical crypto"):
 *
 *   strict  exactly libsodium 1.0.18 crypto_sign_verify_detached: S < L; R
 *           and A not in the small-order blocklist (compared ignoring the
 *           sign bit, as libsodium does); A canonical (y < p) and decodable;
 *           encode([S]B - [k]A) equals the 32 bytes of R. That last compare
 *           also rejects a non-canonical R.
 *   zip215  ZIP 215: S < L; A and R decodable, non-canonical y and x = 0
 *           with the sign bit accepted; [8]([S]B - [k]A - R) is the identity.
 *
 * k = SHA-512(R || A || M) mod L over the bytes as received. Returns VIGIL_OK
 * or the reason (enum vigil_error). */
#ifndef VIGIL_KERNELS_ED25519_H
#define VIGIL_KERNELS_ED25519_H

#include <vigil/fi/caps.h>
#include <vigil/fi/errors.h>

#include "vk_group.h"
#include "vk_scalar.h"
#include "vk_sha2.h"

/* libsodium's ge25519_has_small_order list: 0 (order 4), 1, the two order-8
 * y values, p - 1, and the non-canonical p and p + 1. */
VK_CONST_DECL vigil_u8 vk_small_order_blocklist[7][32] = {
    {0},
    {1},
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}};

VK_DEVICE int vk_has_small_order(const vigil_u8* s) {
  for (int i = 0; i < 7; ++i) {
    vigil_u8 c = (vigil_u8)((s[31] & 0x7f) ^ vk_small_order_blocklist[i][31]);
    for (int j = 0; j < 31; ++j) c |= (vigil_u8)(s[j] ^ vk_small_order_blocklist[i][j]);
    if (c == 0) return 1;
  }
  return 0;
}

/* y < p, ignoring the sign bit (libsodium ge25519_is_canonical). */
VK_DEVICE int vk_ge_is_canonical(const vigil_u8* s) {
  if ((s[31] & 0x7f) != 0x7f) return 1;
  for (int i = 30; i > 0; --i)
    if (s[i] != 0xff) return 1;
  return s[0] < 0xed;
}

VK_DEVICE vigil_u8 vk_ed25519_verify(VK_GLOBAL const vigil_u8* pk_g,
                                     VK_GLOBAL const vigil_u8* sig_g, VK_GLOBAL const vigil_u8* msg,
                                     vigil_u32 msg_len, vigil_u32 rules) {
  vigil_u8 pk[32], r[32], s[32];
  for (int i = 0; i < 32; ++i) {
    pk[i] = pk_g[i];
    r[i] = sig_g[i];
    s[i] = sig_g[32 + i];
  }
  if (rules != VIGIL_RULES_STRICT && rules != VIGIL_RULES_ZIP215) return VIGIL_ERR_BAD_RULES;
  if (!vk_sc_is_canonical(s)) return VIGIL_ERR_S_NONCANONICAL;
  int strict = rules == VIGIL_RULES_STRICT;
  if (strict) {
    if (vk_has_small_order(r)) return VIGIL_ERR_SMALL_ORDER;
    if (!vk_ge_is_canonical(pk)) return VIGIL_ERR_POINT_NONCANONICAL;
    if (vk_has_small_order(pk)) return VIGIL_ERR_SMALL_ORDER;
  }
  vk_ge a, rp;
  if (!vk_ge_decode(&a, pk)) return VIGIL_ERR_POINT_DECODE;
  if (!strict && !vk_ge_decode(&rp, r)) return VIGIL_ERR_POINT_DECODE;

  vk_sha512_ctx h;
  vigil_u8 digest[64], k[32];
  vk_sha512_init(&h);
  vk_sha512_update_global(&h, sig_g, 32);
  vk_sha512_update_global(&h, pk_g, 32);
  vk_sha512_update_global(&h, msg, msg_len);
  vk_sha512_final(&h, digest);
  vk_sc_reduce512(k, digest);

  vk_ge_neg(&a, &a);
  vk_ge p;
  vk_ge_double_scalarmult(&p, k, &a, s); /* [S]B - [k]A */
  if (strict) {
    vigil_u8 check[32];
    vk_ge_encode(check, &p);
    vigil_u8 diff = 0;
    for (int i = 0; i < 32; ++i) diff |= (vigil_u8)(check[i] ^ r[i]);
    return diff == 0 ? VIGIL_OK : VIGIL_ERR_SIG_INVALID;
  }
  vk_ge_cached rc;
  vk_ge_to_cached(&rc, &rp);
  vk_ge_add_cached(&p, &p, &rc, 1); /* - R */
  vk_ge_dbl(&p, &p);
  vk_ge_dbl(&p, &p);
  vk_ge_dbl(&p, &p);
  return vk_ge_is_identity(&p) ? VIGIL_OK : VIGIL_ERR_SIG_INVALID;
}

#endif /* VIGIL_KERNELS_ED25519_H */
