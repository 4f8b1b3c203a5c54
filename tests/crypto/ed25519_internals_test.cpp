// The layers under Ed25519 against libsodium's exported primitives: scalar
// reduction and arithmetic mod L, fixed-base and double-scalar
// multiplication, and field encoding of non-canonical values.
#include <gtest/gtest.h>
#include <sodium.h>

#include <random>

#include "host/crypto/double_scalarmult.hpp"
#include "host/crypto/ed25519_rules.hpp"
#include "host/crypto/fe.hpp"
#include "host/crypto/ge.hpp"
#include "host/crypto/msm.hpp"
#include "host/crypto/sc.hpp"

namespace {

using namespace vigil::crypto;

struct Rng {
  std::mt19937_64 g{12345};
  void fill(uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(g());
  }
};

class Internals : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_GE(sodium_init(), 0); }
  Rng rng;
};

TEST_F(Internals, ScalarReduceMatchesLibsodium) {
  for (int i = 0; i < 2000; ++i) {
    uint8_t wide[64], want[32], got[32];
    rng.fill(wide, 64);
    if (i == 0) std::fill(wide, wide + 64, 0xff);
    if (i == 1) std::fill(wide, wide + 64, 0);
    crypto_core_ed25519_scalar_reduce(want, wide);
    sc_store(got, sc_reduce512(wide));
    ASSERT_EQ(0, std::memcmp(want, got, 32)) << i;
  }
}

TEST_F(Internals, ScalarMulAddMatchLibsodium) {
  for (int i = 0; i < 2000; ++i) {
    uint8_t w1[64], w2[64], a[32], b[32], want[32], got[32];
    rng.fill(w1, 64);
    rng.fill(w2, 64);
    crypto_core_ed25519_scalar_reduce(a, w1);
    crypto_core_ed25519_scalar_reduce(b, w2);
    crypto_core_ed25519_scalar_mul(want, a, b);
    sc_store(got, sc_mul(sc_load(a), sc_load(b)));
    ASSERT_EQ(0, std::memcmp(want, got, 32)) << i;
    crypto_core_ed25519_scalar_add(want, a, b);
    sc_store(got, sc_add(sc_load(a), sc_load(b)));
    ASSERT_EQ(0, std::memcmp(want, got, 32)) << i;
    crypto_core_ed25519_scalar_negate(want, a);
    sc_store(got, sc_neg(sc_load(a)));
    ASSERT_EQ(0, std::memcmp(want, got, 32)) << i;
  }
}

TEST_F(Internals, ScalarCanonicalBoundary) {
  uint8_t l[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                   0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                   0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
  EXPECT_FALSE(sc_is_canonical(l));
  l[0] -= 1;
  EXPECT_TRUE(sc_is_canonical(l));
  l[0] += 2;
  EXPECT_FALSE(sc_is_canonical(l));
  uint8_t ones[32];
  std::fill(ones, ones + 32, 0xff);
  EXPECT_FALSE(sc_is_canonical(ones));
  uint8_t zero[32] = {};
  EXPECT_TRUE(sc_is_canonical(zero));
}

TEST_F(Internals, FieldEncodingReducesNonCanonicalValues) {
  // p + 5 loads as 5; 2^255 - 1 = p + 18 loads as 18.
  uint8_t b[32];
  std::fill(b, b + 32, 0xff);
  b[31] = 0x7f;
  b[0] = 0xed + 5;
  uint8_t out[32];
  fe_tobytes(out, fe_frombytes(b));
  EXPECT_EQ(out[0], 5);
  for (int i = 1; i < 32; ++i) EXPECT_EQ(out[i], 0);
  b[0] = 0xff;
  fe_tobytes(out, fe_frombytes(b));
  EXPECT_EQ(out[0], 18);
  // p - 1 stays p - 1; inversion and multiplication agree.
  b[0] = 0xec;
  fe_tobytes(out, fe_frombytes(b));
  EXPECT_EQ(0, std::memcmp(out, b, 32));
  uint8_t r[32];
  rng.fill(r, 32);
  const Fe f = fe_frombytes(r);
  EXPECT_TRUE(fe_equal(fe_mul(f, fe_invert(f)), fe_one()));
}

TEST_F(Internals, BaseMultiplicationMatchesLibsodium) {
  for (int i = 0; i < 300; ++i) {
    uint8_t n[32], want[32], got[32];
    rng.fill(n, 32);
    n[31] &= 0x7f;
    ASSERT_EQ(0, crypto_scalarmult_ed25519_base_noclamp(want, n));
    ge_tobytes(got, ge_scalarmult_base(n));
    ASSERT_EQ(0, std::memcmp(want, got, 32)) << i;
  }
}

TEST_F(Internals, DoubleScalarMultMatchesLibsodium) {
  for (int i = 0; i < 300; ++i) {
    uint8_t w[64], a_scalar[32], k[32], s[32], a[32];
    rng.fill(w, 64);
    crypto_core_ed25519_scalar_reduce(a_scalar, w);
    rng.fill(w, 64);
    crypto_core_ed25519_scalar_reduce(k, w);
    rng.fill(w, 64);
    crypto_core_ed25519_scalar_reduce(s, w);
    if (i == 0) std::memset(s, 0, 32);
    if (i == 1) std::memset(k, 0, 32);
    ASSERT_EQ(0, crypto_scalarmult_ed25519_base_noclamp(a, a_scalar));
    uint8_t sb[32], ka[32], want[32];
    const bool sb_ok = crypto_scalarmult_ed25519_base_noclamp(sb, s) == 0;
    const bool ka_ok = crypto_scalarmult_ed25519_noclamp(ka, k, a) == 0;
    if (sb_ok && ka_ok) {
      crypto_core_ed25519_sub(want, sb, ka);
    } else if (sb_ok) {
      std::memcpy(want, sb, 32);
    } else {
      crypto_core_ed25519_sub(want, std::array<uint8_t, 32>{1}.data(), ka);
    }
    Fe x, y;
    ASSERT_TRUE(ge_decode_affine(x, y, a));
    uint8_t ax[32], ay[32], got[32];
    fe_tobytes(ax, x);
    fe_tobytes(ay, y);
    double_scalarmult_encode(ax, ay, k, s, got);
    ASSERT_EQ(0, std::memcmp(want, got, 32)) << i;
  }
}

TEST_F(Internals, SmallOrderBlacklistCoversEveryEncoding) {
  // [8]P is the identity for every blacklisted encoding that decodes.
  uint8_t y8[32] = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
                    0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
                    0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};
  Fe x, y;
  ASSERT_TRUE(ge_decode_affine(x, y, y8));
  GeP3 p = ge_from_affine(x, y);
  for (int i = 0; i < 8; ++i) {
    uint8_t enc[32];
    ge_tobytes(enc, p);
    EXPECT_TRUE(ed25519_has_small_order(enc)) << i;
    enc[31] ^= 0x80;
    EXPECT_TRUE(ed25519_has_small_order(enc)) << i;
    GeP3 q = p;
    for (int j = 0; j < 3; ++j) q = ge_dbl3(q);
    EXPECT_TRUE(ge_is_identity(q));
    EXPECT_EQ(ge_is_identity(p), i == 7);  // p = (i + 1) T8
    p = ge_add3(p, ge_from_affine(x, y));
  }
  uint8_t base[32];
  ge_tobytes(base, ge_base());
  EXPECT_FALSE(ed25519_has_small_order(base));
}

TEST_F(Internals, MultiScalarMultMatchesScalarArithmetic) {
  // points[i] = [a_i]B, so sum s_i points[i] + [b]B = [sum s_i a_i + b]B,
  // computed independently with scalar arithmetic and one base multiplication.
  MsmWorkspace ws;
  for (size_t n : {0, 1, 2, 7, 89, 90, 91, 150, 300}) {
    std::vector<MsmPoint> points;
    std::vector<Sc> scalars;
    uint8_t w[64];
    rng.fill(w, 64);
    const Sc b = sc_reduce512(w);
    Sc total = b;
    for (size_t i = 0; i < n; ++i) {
      rng.fill(w, 64);
      const Sc a = sc_reduce512(w);
      rng.fill(w, 64);
      Sc s = sc_reduce512(w);
      if (i % 2) s.v[2] = s.v[3] = 0;  // the 128-bit weights of R terms
      if (i % 5 == 0) s = Sc{{0, 0, 0, 0}};
      total = sc_muladd(s, a, total);
      uint8_t ab[32];
      sc_store(ab, a);
      const GeP3 p = ge_scalarmult_base(ab);
      const Fe zi = fe_invert(p.Z);
      points.push_back(msm_point_from_affine(fe_mul(p.X, zi), fe_mul(p.Y, zi)));
      scalars.push_back(s);
    }
    uint8_t tb[32], want[32], straus[32], pippenger[32], chosen[32];
    sc_store(tb, total);
    ge_tobytes(want, ge_scalarmult_base(tb));
    ge_tobytes(straus, msm_straus_vartime(points, scalars, b, ws));
    ge_tobytes(pippenger, msm_pippenger_vartime(points, scalars, b, ws));
    ge_tobytes(chosen, msm_vartime(points, scalars, b, ws));
    EXPECT_EQ(0, std::memcmp(want, straus, 32)) << n;
    EXPECT_EQ(0, std::memcmp(want, pippenger, 32)) << n;
    EXPECT_EQ(0, std::memcmp(want, chosen, 32)) << n;
  }
}

// The batch equation's last step on every engine (IFMA: the lane-parallel
// MSM): points [a_i]B + T_i with T_i of small order, so
// [8](b B + sum s_i P_i) is the identity exactly when
// b + sum s_i a_i = 0 mod L. Sizes around the 8 lanes and the 256-term
// chunks; terms from n_long on have 128-bit scalars.
TEST_F(Internals, CofactorMsmIsIdentityExactlyWhenTheScalarsCancel) {
  Fe tx, ty;  // a point of order 8 (y from the small-order blacklist)
  const uint8_t order8[32] = {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
                              0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
                              0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};
  ASSERT_TRUE(ge_decode_affine(tx, ty, order8));
  const GeP3 t = ge_from_affine(tx, ty);
  MsmWorkspace ws;
  for (Engine e : {Engine::portable, Engine::avx2, Engine::avx512ifma}) {
    if (!engine_supported(e)) {
      std::printf("skipping engine %s: this CPU lacks it\n", std::string(engine_name(e)).c_str());
      continue;
    }
    for (size_t n : {0, 1, 2, 7, 8, 9, 63, 255, 256, 257, 600}) {
      std::vector<Fe> x, y;
      std::vector<Sc> scalars;
      Sc sum{{0, 0, 0, 0}};
      const size_t n_long = n / 3;
      uint8_t w[64];
      for (size_t i = 0; i < n; ++i) {
        rng.fill(w, 64);
        const Sc a = sc_reduce512(w);
        rng.fill(w, 64);
        Sc s = sc_reduce512(w);
        if (i >= n_long) s.v[2] = s.v[3] = 0;
        if (i % 7 == 3) s = Sc{{0, 0, 0, 0}};
        sum = sc_muladd(s, a, sum);
        uint8_t ab[32];
        sc_store(ab, a);
        GeP3 p = ge_scalarmult_base(ab);
        if (i % 3 == 1) p = ge_add3(p, t);
        const Fe zi = fe_invert(p.Z);
        x.push_back(fe_mul(p.X, zi));
        y.push_back(fe_mul(p.Y, zi));
        scalars.push_back(s);
      }
      const Sc b = sc_neg(sum);
      EXPECT_TRUE(msm_cofactor_is_identity(e, x, y, scalars, n_long, b, ws))
          << engine_name(e) << " " << n;
      const Sc b1 = sc_add(b, Sc{{1, 0, 0, 0}});
      EXPECT_FALSE(msm_cofactor_is_identity(e, x, y, scalars, n_long, b1, ws))
          << engine_name(e) << " " << n;
      if (n > 0) {  // one scalar off by one, in the last lane group
        std::vector<Sc> off = scalars;
        off.back() = sc_add(off.back(), Sc{{1, 0, 0, 0}});
        EXPECT_FALSE(msm_cofactor_is_identity(e, x, y, off, n_long, b, ws))
            << engine_name(e) << " " << n;
      }
    }
  }
}

TEST_F(Internals, WindowWidthGrowsWithTerms) {
  int last = 0;
  for (size_t n = 1; n < 100000; n *= 2) {
    const int c = msm_window_bits(n);
    EXPECT_GE(c, last);
    EXPECT_GE(c, 3);
    EXPECT_LE(c, 12);  // digits and bucket indices stay in int16 range
    last = c;
  }
}

}  // namespace
