// The kernel source compiled for the host (vendor.h's host branch): its
// constants, field and scalar arithmetic checked against definitions,
// OpenSSL's bignums and libsodium, so a slip shows here with a host
// debugger's help before it shows on a device. Built once per field
// representation (VK_FIELD=51 and VK_FIELD=25).
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <sodium.h>

#include <cstring>
#include <random>
#include <vector>

#include "kernels/vigil_kernels.cl"

namespace {

TEST(KernelsHost, CurveConstants) {
  vk_fe d, t, u, one;
  vk_fe_d(&d);
  vk_fe_small(&t, 121666);
  vk_fe_mul(&u, &d, &t);
  vk_fe_small(&t, 121665);
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

BIGNUM* bn_le(const uint8_t* s, int n) {
  return BN_lebin2bn(s, n, nullptr);
}

// Products, squares, sums and differences of random and extreme elements
// (all limbs at their largest, 2^255 - 1, p, p - 1, 0) against OpenSSL mod p,
// chained so that outputs feed inputs as they do in the group code.
TEST(KernelsHost, FieldArithmeticMatchesOpenSslModP) {
  std::mt19937_64 rng(13);
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM* p = BN_new();
  BN_set_bit(p, 255);
  BN_sub_word(p, 19);
  std::vector<std::array<uint8_t, 32>> inputs;
  std::array<uint8_t, 32> e{};
  inputs.push_back(e);  // 0
  e.fill(0xff);
  e[31] = 0x7f;
  inputs.push_back(e);  // 2^255 - 1
  e[0] = 0xed;
  inputs.push_back(e);  // p
  e[0] = 0xec;
  inputs.push_back(e);  // p - 1
  for (int i = 0; i < 300; ++i) {
    for (auto& x : e) x = uint8_t(rng());
    e[31] &= 0x7f;
    inputs.push_back(e);
  }
  auto check = [&](const vk_fe& got, const BIGNUM* want, const char* what, size_t i) {
    uint8_t out[32], ref[32];
    vk_fe_tobytes(out, &got);
    ASSERT_EQ(32, BN_bn2lebinpad(want, ref, 32));
    ASSERT_EQ(0, std::memcmp(out, ref, 32)) << what << " " << i << " (" VK_FIELD_NAME ")";
  };
  vk_fe acc;
  vk_fe_frombytes(&acc, inputs[1].data());
  BIGNUM* bacc = bn_le(inputs[1].data(), 32);
  BN_nnmod(bacc, bacc, p, ctx);
  BIGNUM* r = BN_new();
  for (size_t i = 0; i < inputs.size(); ++i) {
    vk_fe a, t;
    vk_fe_frombytes(&a, inputs[i].data());
    BIGNUM* ba = bn_le(inputs[i].data(), 32);
    BN_nnmod(ba, ba, p, ctx);
    vk_fe_mul(&t, &acc, &a);
    BN_mod_mul(r, bacc, ba, p, ctx);
    check(t, r, "mul", i);
    vk_fe_sq(&t, &a);
    BN_mod_sqr(r, ba, p, ctx);
    check(t, r, "sq", i);
    vk_fe_sub(&t, &a, &acc);
    BN_mod_sub(r, ba, bacc, p, ctx);
    check(t, r, "sub", i);
    vk_fe_add(&t, &acc, &a);
    BN_mod_add(r, bacc, ba, p, ctx);
    check(t, r, "add", i);
    // acc = (acc + a) * (acc - a) - a^2: outputs of each operation as inputs.
    vk_fe s, d, q;
    vk_fe_add(&s, &acc, &a);
    vk_fe_sub(&d, &acc, &a);
    vk_fe_sq(&q, &a);
    vk_fe_mul(&acc, &s, &d);
    vk_fe_sub(&acc, &acc, &q);
    BIGNUM *bs = BN_new(), *bd = BN_new(), *bq = BN_new();
    BN_mod_add(bs, bacc, ba, p, ctx);
    BN_mod_sub(bd, bacc, ba, p, ctx);
    BN_mod_sqr(bq, ba, p, ctx);
    BN_mod_mul(bacc, bs, bd, p, ctx);
    BN_mod_sub(bacc, bacc, bq, p, ctx);
    check(acc, bacc, "chain", i);
    for (BIGNUM* x : {ba, bs, bd, bq}) BN_free(x);
  }
  for (BIGNUM* x : {bacc, r, p}) BN_free(x);
  BN_CTX_free(ctx);
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
  for (uint32_t i = 0; i < n; ++i)
    vk_verify_batch_item(buf.data(), buf.size(), &verdict, errors, i);
  EXPECT_EQ(verdict, 1u);
  EXPECT_EQ(errors[0], VIGIL_OK);
  EXPECT_EQ(errors[1], VIGIL_ERR_MALFORMED);
  EXPECT_EQ(errors[2], VIGIL_ERR_MALFORMED);
  d.rules = 7;
  std::memcpy(buf.data(), &d, sizeof d);
  vk_verify_batch_item(buf.data(), buf.size(), &verdict, errors, 0);
  EXPECT_EQ(errors[0], VIGIL_ERR_BAD_RULES);
  d.rules = VIGIL_RULES_ZIP215;
  d.scheme = 9;
  std::memcpy(buf.data(), &d, sizeof d);
  vk_verify_batch_item(buf.data(), buf.size(), &verdict, errors, 0);
  EXPECT_EQ(errors[0], VIGIL_ERR_BAD_SCHEME);
}

// Descriptors that point outside the buffer are refused item by item before
// any read past the batch (ASan would see one here).
TEST(KernelsHost, DescriptorsOutsideTheBufferAreMalformed) {
  std::vector<uint8_t> buf(48 + 96 + 8 + 8, 0);
  vigil_batch_desc d{};
  d.count = 1;
  d.rules = VIGIL_RULES_STRICT;
  d.scheme = VIGIL_SCHEME_ED25519;
  d.pubkey_off = 48;
  d.sig_off = 80;
  d.msg_offsets_off = 144;
  d.msg_off = 152;
  d.msg_bytes = 0;
  auto run = [&](const vigil_batch_desc& dd, uint32_t i = 0) {
    std::memcpy(buf.data(), &dd, sizeof dd);
    uint32_t verdict = 0;
    uint8_t err[2] = {0xee, 0xee};
    vk_verify_batch_item(buf.data(), buf.size(), &verdict, err, i);
    EXPECT_EQ(verdict, 0u);
    return err[i];
  };
  EXPECT_EQ(run(d), VIGIL_ERR_SMALL_ORDER);   // well-formed; all-zero R is in the blocklist
  EXPECT_EQ(run(d, 1), VIGIL_ERR_MALFORMED);  // item past count
  auto bad = d;
  bad.pubkey_off = buf.size() - 16;
  EXPECT_EQ(run(bad), VIGIL_ERR_MALFORMED);
  bad = d;
  bad.sig_off = ~0ull - 10;  // would wrap
  EXPECT_EQ(run(bad), VIGIL_ERR_MALFORMED);
  bad = d;
  bad.msg_offsets_off = 146;  // misaligned
  EXPECT_EQ(run(bad), VIGIL_ERR_MALFORMED);
  bad = d;
  bad.msg_bytes = 100;
  EXPECT_EQ(run(bad), VIGIL_ERR_MALFORMED);
  bad = d;
  bad.count = 1000;
  EXPECT_EQ(run(bad), VIGIL_ERR_MALFORMED);
}

}  // namespace
