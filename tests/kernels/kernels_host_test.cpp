// The kernel source compiled for the host (vendor.h's host branch): its
// constants, field and scalar arithmetic checked against definitions and
// libsodium, so a slip shows here with a host debugger's help before it
// shows on a device.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernels/vigil_kernels.cl"

namespace {

TEST(KernelsHost, CurveConstants) {
  vk_fe d, t, u, one;
  vk_fe_d(&d);
  vk_fe_set(&t, 121666, 0, 0, 0, 0);
  vk_fe_mul(&u, &d, &t);
  vk_fe_set(&t, 121665, 0, 0, 0, 0);
  vk_fe_add(&u, &u, &t);
  EXPECT_TRUE(vk_fe_iszero(&u)) << "d = -121665/121666";
  vk_fe d2;
  vk_fe_d2(&d2);
  vk_fe_add(&u, &d, &d);
  vk_fe_sub(&u, &u, &d2);
  EXPECT_TRUE(vk_fe_iszero(&u)) << "2d";
  vk_fe_sqrtm1(&t);
  vk_fe_sq(&u, &t);
  vk_fe_1(&one);
  vk_fe_add(&u, &u, &one);
  EXPECT_TRUE(vk_fe_iszero(&u)) << "sqrt(-1)^2 = -1";
  vk_ge b, b2;
  vk_ge_base(&b);
  uint8_t enc[32], want[32];
  vk_ge_encode(enc, &b);
  uint8_t one_scalar[32] = {1};
  ASSERT_EQ(0, crypto_scalarmult_ed25519_base_noclamp(want, one_scalar));
  EXPECT_EQ(0, std::memcmp(enc, want, 32)) << "base point";
  ASSERT_TRUE(vk_ge_decode(&b2, enc));
  vk_fe_sub(&u, &b2.T, &b.T);
  EXPECT_TRUE(vk_fe_iszero(&u)) << "base point T = XY";
}

TEST(KernelsHost, FieldInverseAndCanonicalEncoding) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200; ++i) {
    uint8_t s[32];
    for (auto& x : s) x = uint8_t(rng());
    vk_fe a, inv, prod;
    vk_fe_frombytes(&a, s);
    if (vk_fe_iszero(&a)) continue;
    vk_fe_invert(&inv, &a);
    vk_fe_mul(&prod, &a, &inv);
    uint8_t out[32], want[32] = {1};
    vk_fe_tobytes(out, &prod);
    ASSERT_EQ(0, std::memcmp(out, want, 32));
  }
  // p + 5 encodes as 5; p - 1 stays.
  uint8_t s[32];
  std::memset(s, 0xff, 32);
  s[31] = 0x7f;
  s[0] = 0xed + 5;
  vk_fe a;
  vk_fe_frombytes(&a, s);
  uint8_t out[32], five[32] = {5};
  vk_fe_tobytes(out, &a);
  EXPECT_EQ(0, std::memcmp(out, five, 32));
}

TEST(KernelsHost, ScalarReductionMatchesLibsodium) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 500; ++i) {
    uint8_t h[64], got[32], want[32];
    for (auto& x : h) x = uint8_t(rng());
    if (i == 0) std::memset(h, 0xff, 64);
    vk_sc_reduce512(got, h);
    crypto_core_ed25519_scalar_reduce(want, h);
    ASSERT_EQ(0, std::memcmp(got, want, 32)) << i;
    EXPECT_TRUE(vk_sc_is_canonical(got));
  }
  const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                         0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                         0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
  EXPECT_FALSE(vk_sc_is_canonical(L));
  uint8_t lm1[32];
  std::memcpy(lm1, L, 32);
  lm1[0] -= 1;
  EXPECT_TRUE(vk_sc_is_canonical(lm1));
}

TEST(KernelsHost, DoubleScalarMultMatchesLibsodium) {
  std::mt19937_64 rng(9);
  for (int i = 0; i < 20; ++i) {
    uint8_t a[32], b[32], big[64], pa[32], pb[32], want[32], got[32];
    for (auto& x : big) x = uint8_t(rng());
    crypto_core_ed25519_scalar_reduce(a, big);
    for (auto& x : big) x = uint8_t(rng());
    crypto_core_ed25519_scalar_reduce(b, big);
    uint8_t one_scalar[32] = {1};
    // P = [7]B, so [a]P + [b]B = [7a + b]B.
    uint8_t seven[32] = {7}, pt[32];
    ASSERT_EQ(0, crypto_scalarmult_ed25519_base_noclamp(pt, seven));
    ASSERT_EQ(0, crypto_scalarmult_ed25519_noclamp(pa, a, pt));
    ASSERT_EQ(0, crypto_scalarmult_ed25519_base_noclamp(pb, b));
    ASSERT_EQ(0, crypto_core_ed25519_add(want, pa, pb));
    vk_ge p, r;
    ASSERT_TRUE(vk_ge_decode(&p, pt));
    vk_ge_double_scalarmult(&r, a, &p, b);
    vk_ge_encode(got, &r);
    ASSERT_EQ(0, std::memcmp(got, want, 32)) << i;
    (void)one_scalar;
  }
}

// The batch reader refuses what the descriptor cannot mean: message offsets
// out of order or past the message area, an unknown scheme or rule set; each
// such item gets its error and no verdict bit, and other items are unharmed.
TEST(KernelsHost, BatchItemsWithBadDescriptorsGetErrors) {
  uint8_t pk[32], sk[64], sig[64], msg[3] = {1, 2, 3};
  crypto_sign_keypair(pk, sk);
  crypto_sign_detached(sig, nullptr, msg, 3, sk);
  const uint32_t n = 3;
  std::vector<uint8_t> buf(512, 0);
  vigil_batch_desc d{};
  d.count = n;
  d.rules = VIGIL_RULES_STRICT;
  d.scheme = VIGIL_SCHEME_ED25519;
  d.msg_bytes = 3;
  d.pubkey_off = 48;
  d.sig_off = d.pubkey_off + 32 * n;
  d.msg_offsets_off = d.sig_off + 64 * n;
  d.msg_off = d.msg_offsets_off + 4 * (n + 1);
  for (uint32_t i = 0; i < n; ++i) {
    std::memcpy(&buf[d.pubkey_off + 32 * i], pk, 32);
    std::memcpy(&buf[d.sig_off + 64 * i], sig, 64);
  }
  const uint32_t offs[n + 1] = {0, 3, 2, 9};  // item 0 fine, 1 reversed, 2 past the end
  std::memcpy(&buf[d.msg_offsets_off], offs, sizeof offs);
  std::memcpy(&buf[d.msg_off], msg, 3);
  std::memcpy(buf.data(), &d, sizeof d);
  uint32_t verdict = 0;
  uint8_t errors[n];
  for (uint32_t i = 0; i < n; ++i) vk_verify_batch_item(buf.data(), &verdict, errors, i);
  EXPECT_EQ(verdict, 1u);
  EXPECT_EQ(errors[0], VIGIL_OK);
  EXPECT_EQ(errors[1], VIGIL_ERR_MALFORMED);
  EXPECT_EQ(errors[2], VIGIL_ERR_MALFORMED);
  d.rules = 7;
  std::memcpy(buf.data(), &d, sizeof d);
  vk_verify_batch_item(buf.data(), &verdict, errors, 0);
  EXPECT_EQ(errors[0], VIGIL_ERR_BAD_RULES);
  d.rules = VIGIL_RULES_ZIP215;
  d.scheme = 9;
  std::memcpy(buf.data(), &d, sizeof d);
  vk_verify_batch_item(buf.data(), &verdict, errors, 0);
  EXPECT_EQ(errors[0], VIGIL_ERR_BAD_SCHEME);
}

}  // namespace
