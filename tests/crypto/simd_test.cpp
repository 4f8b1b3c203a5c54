// The SIMD engines' field arithmetic and double scalar multiplication
// against an independent reference: a slow radix-2^64 field and a plain
// double-and-add with the complete addition law (written here, sharing no
// code with the engines), and libsodium where it accepts the inputs
// (main-subgroup points, non-zero results).
#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "host/crypto/fe.hpp"
#include "host/crypto/ge.hpp"
#include "host/crypto/simd/double_scalarmult_simd.hpp"

namespace {

namespace simd = vigil::crypto::simd;
using Bytes32 = std::array<uint8_t, 32>;

// The soak build (simd_soak_test, label soak) runs 100 times more.
#ifdef VIGIL_SIMD_SOAK
constexpr int kRandomCases = 200000;
constexpr int kFieldValues = 400000;
#else
constexpr int kRandomCases = 2000;
constexpr int kFieldValues = 4000;
#endif
using U256 = std::array<uint64_t, 4>;  // little-endian words, kept < p
using u128 = unsigned __int128;

constexpr U256 kP = {0xffffffffffffffedull, ~0ull, ~0ull, 0x7fffffffffffffffull};

bool geq(const U256& a, const U256& b) {
  for (int i = 3; i >= 0; --i)
    if (a[i] != b[i]) return a[i] > b[i];
  return true;
}

U256 sub_wrap(const U256& a, const U256& b) {
  U256 r;
  uint64_t borrow = 0;
  for (int i = 0; i < 4; ++i) {
    const u128 t = u128{a[i]} - b[i] - borrow;
    r[i] = static_cast<uint64_t>(t);
    borrow = static_cast<uint64_t>(t >> 64) & 1;
  }
  return r;
}

U256 add_wrap(const U256& a, const U256& b, uint64_t* carry_out = nullptr) {
  U256 r;
  u128 c = 0;
  for (int i = 0; i < 4; ++i) {
    c += u128{a[i]} + b[i];
    r[i] = static_cast<uint64_t>(c);
    c >>= 64;
  }
  if (carry_out) *carry_out = static_cast<uint64_t>(c);
  return r;
}

U256 reduce_once(U256 a) {
  while (geq(a, kP)) a = sub_wrap(a, kP);
  return a;
}

U256 fadd(const U256& a, const U256& b) {
  return reduce_once(add_wrap(a, b));
}
U256 fsub(const U256& a, const U256& b) {
  return geq(a, b) ? sub_wrap(a, b) : add_wrap(sub_wrap(a, b), kP);
}

U256 fmul(const U256& a, const U256& b) {
  uint64_t w[8] = {};
  for (int i = 0; i < 4; ++i) {
    u128 c = 0;
    for (int j = 0; j < 4; ++j) {
      c += u128{a[i]} * b[j] + w[i + j];
      w[i + j] = static_cast<uint64_t>(c);
      c >>= 64;
    }
    w[i + 4] = static_cast<uint64_t>(c);
  }
  // 2^256 = 38 (mod p): fold the high half, then the last carries.
  U256 r;
  u128 c = 0;
  for (int i = 0; i < 4; ++i) {
    c += u128{w[i]} + u128{w[i + 4]} * 38;
    r[i] = static_cast<uint64_t>(c);
    c >>= 64;
  }
  uint64_t carry = static_cast<uint64_t>(c);
  while (carry) r = add_wrap(r, U256{carry * 38, 0, 0, 0}, &carry);
  return reduce_once(r);
}

U256 fpow(const U256& a, const U256& e) {
  U256 r = {1, 0, 0, 0};
  for (int bit = 255; bit >= 0; --bit) {
    r = fmul(r, r);
    if ((e[bit / 64] >> (bit % 64)) & 1) r = fmul(r, a);
  }
  return r;
}

U256 finv(const U256& a) {
  return fpow(a, sub_wrap(kP, U256{2, 0, 0, 0}));
}

U256 from_bytes_mod_p(const uint8_t* b) {  // bit 255 dropped
  U256 r;
  std::memcpy(r.data(), b, 32);
  r[3] &= 0x7fffffffffffffffull;
  return reduce_once(r);
}

Bytes32 to_bytes(const U256& a) {
  Bytes32 b;
  std::memcpy(b.data(), a.data(), 32);
  return b;
}

U256 small(uint64_t v) {
  return {v, 0, 0, 0};
}

const U256 kD = fmul(fsub(small(0), small(121665)), finv(small(121666)));
const U256 kSqrtM1 =
    fpow(small(2), U256{0xfffffffffffffffbull, ~0ull, ~0ull, 0x1fffffffffffffffull});

struct RefPoint {
  U256 X, Y, Z, T;
};

RefPoint ref_identity() {
  return {small(0), small(1), small(1), small(0)};
}

RefPoint ref_add(const RefPoint& p, const RefPoint& q) {  // complete for a = -1
  const U256 a = fmul(fsub(p.Y, p.X), fsub(q.Y, q.X));
  const U256 b = fmul(fadd(p.Y, p.X), fadd(q.Y, q.X));
  const U256 c = fmul(fmul(p.T, q.T), fadd(kD, kD));
  const U256 d = fmul(fadd(p.Z, p.Z), q.Z);
  const U256 e = fsub(b, a), f = fsub(d, c), g = fadd(d, c), h = fadd(b, a);
  return {fmul(e, f), fmul(g, h), fmul(f, g), fmul(e, h)};
}

RefPoint ref_neg(const RefPoint& p) {
  return {fsub(small(0), p.X), p.Y, p.Z, fsub(small(0), p.T)};
}

RefPoint ref_mul(const uint8_t* k, const RefPoint& p) {  // all 256 bits of k
  RefPoint q = ref_identity();
  for (int bit = 255; bit >= 0; --bit) {
    q = ref_add(q, q);
    if ((k[bit / 8] >> (bit % 8)) & 1) q = ref_add(q, p);
  }
  return q;
}

RefPoint ref_affine(const U256& x, const U256& y) {
  return {x, y, small(1), fmul(x, y)};
}

void ref_xy(const RefPoint& p, Bytes32& x, Bytes32& y) {
  const U256 zi = finv(p.Z);
  x = to_bytes(fmul(p.X, zi));
  y = to_bytes(fmul(p.Y, zi));
}

Bytes32 ref_encode(const RefPoint& p) {
  Bytes32 x, y;
  ref_xy(p, x, y);
  y[31] = static_cast<uint8_t>(y[31] | ((x[0] & 1) << 7));
  return y;
}

// RFC 8032 decoding; `lenient` (ZIP 215, ge_decode_affine) takes y mod p
// and lets x = 0 carry either sign.
std::optional<RefPoint> ref_decode(const uint8_t* s, bool lenient = false) {
  U256 y;
  std::memcpy(y.data(), s, 32);
  const bool sign = y[3] >> 63;
  y[3] &= 0x7fffffffffffffffull;
  if (geq(y, kP)) {
    if (!lenient) return std::nullopt;
    y = reduce_once(y);
  }
  const U256 yy = fmul(y, y);
  const U256 u = fsub(yy, small(1)), v = fadd(fmul(kD, yy), small(1));
  const U256 v3 = fmul(fmul(v, v), v);
  const U256 e = U256{0xfffffffffffffffdull, ~0ull, ~0ull, 0x0fffffffffffffffull};  // (p-5)/8
  U256 x = fmul(fmul(u, v3), fpow(fmul(u, fmul(v3, fmul(v3, v))), e));
  const U256 vxx = fmul(v, fmul(x, x));
  if (vxx == u) {
  } else if (vxx == fsub(small(0), u)) {
    x = fmul(x, kSqrtM1);
  } else {
    return std::nullopt;
  }
  if (x == small(0) && sign && !lenient) return std::nullopt;
  if ((x[0] & 1) != sign) x = fsub(small(0), x);
  return ref_affine(x, y);
}

Bytes32 from_hex(const std::string& h) {
  Bytes32 b{};
  for (size_t i = 0; i < 32; ++i)
    b[i] = static_cast<uint8_t>(std::stoul(h.substr(2 * i, 2), nullptr, 16));
  return b;
}

const Bytes32 kL = from_hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

Bytes32 l_minus(uint64_t v) {
  U256 l;
  std::memcpy(l.data(), kL.data(), 32);
  return to_bytes(sub_wrap(l, small(v)));
}

// One lane's inputs and the reference answer.
struct Case {
  Bytes32 ax, ay, k, s, expected;
};

Case make_case(const RefPoint& a, const Bytes32& k, const Bytes32& s) {
  Case c;
  ref_xy(a, c.ax, c.ay);
  c.k = k;
  c.s = s;
  static const RefPoint base = *ref_decode(
      from_hex("5866666666666666666666666666666666666666666666666666666666666666").data());
  c.expected = ref_encode(ref_add(ref_mul(s.data(), base), ref_neg(ref_mul(k.data(), a))));
  return c;
}

using Fn = void (*)(const uint8_t (*)[32], const uint8_t (*)[32], const uint8_t (*)[32],
                    const uint8_t (*)[32], uint8_t (*)[32], size_t);

// Runs `cases` through fn `lanes` at a time (n = lanes, last call partial)
// and returns the outputs in order.
std::vector<Bytes32> run(Fn fn, size_t lanes, const std::vector<Case>& cases, size_t n_per_call) {
  std::vector<Bytes32> out(cases.size());
  for (size_t at = 0; at < cases.size(); at += n_per_call) {
    const size_t n = std::min(n_per_call, cases.size() - at);
    uint8_t ax[8][32], ay[8][32], k[8][32], s[8][32], o[8][32];
    std::memset(o, 0xa5, sizeof o);
    for (size_t i = 0; i < n; ++i) {
      std::memcpy(ax[i], cases[at + i].ax.data(), 32);
      std::memcpy(ay[i], cases[at + i].ay.data(), 32);
      std::memcpy(k[i], cases[at + i].k.data(), 32);
      std::memcpy(s[i], cases[at + i].s.data(), 32);
    }
    fn(ax, ay, k, s, o, n);
    for (size_t i = 0; i < n; ++i) std::memcpy(out[at + i].data(), o[i], 32);
    for (size_t i = n; i < lanes; ++i)
      for (size_t b = 0; b < 32; ++b)
        EXPECT_EQ(o[i][b], 0xa5) << "lane " << i << " written, n=" << n;
  }
  return out;
}

std::string hex(const Bytes32& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) s += {d[c >> 4], d[c & 15]};
  return s;
}

struct Engine {
  const char* name;
  Fn fn;
  size_t lanes;
  void (*field_ops)(const uint8_t (*)[32], const uint8_t (*)[32], uint8_t (*)[5][32]);
  bool (*supported)();
  void (*decode)(size_t, const uint8_t*, uint8_t*, uint8_t*, uint8_t*);
  void (*lanes_fn)(size_t, const uint8_t*, const uint8_t*, const uint8_t*, const uint8_t*,
                   uint8_t*);
};

void PrintTo(const Engine& e, std::ostream* os) {
  *os << e.name;
}

class SimdEngine : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (!GetParam().supported()) GTEST_SKIP() << "this CPU lacks " << GetParam().name;
    ASSERT_GE(sodium_init(), 0);
  }
};

Bytes32 random_bytes(std::mt19937_64& rng) {
  Bytes32 b;
  for (auto& c : b) c = static_cast<uint8_t>(rng());
  return b;
}

TEST_P(SimdEngine, FieldOpsMatchReference) {
  const Engine e = GetParam();
  std::mt19937_64 rng(42);
  std::vector<Bytes32> values;
  // Edge values: 0, 1, p-1, p, p+1, 2^255-1 (all taken mod p), and
  // limb-boundary patterns.
  for (const char* h : {"0000000000000000000000000000000000000000000000000000000000000000",
                        "0100000000000000000000000000000000000000000000000000000000000000",
                        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                        "ffffffffffff07000000000000000000000000000000000000000000000000ff",
                        "0000000000f8ffffffffffffffffffffffffffffffffffffffffffffffffff00"})
    values.push_back(from_hex(h));
  for (int i = 0; i < kFieldValues; ++i) values.push_back(random_bytes(rng));
  for (size_t at = 0; at + e.lanes <= values.size(); at += e.lanes) {
    uint8_t a[8][32], b[8][32], out[8][5][32];
    for (size_t i = 0; i < e.lanes; ++i) {
      std::memcpy(a[i], values[at + i].data(), 32);
      std::memcpy(b[i], values[(at + i * 7 + 3) % values.size()].data(), 32);
    }
    e.field_ops(a, b, out);
    for (size_t i = 0; i < e.lanes; ++i) {
      const U256 x = from_bytes_mod_p(a[i]), y = from_bytes_mod_p(b[i]);
      const U256 want[5] = {fmul(x, y), fmul(x, x), fadd(x, y), fsub(x, y),
                            x == small(0) ? small(0) : finv(x)};
      for (int op = 0; op < 5; ++op) {
        Bytes32 got;
        std::memcpy(got.data(), out[i][op], 32);
        ASSERT_EQ(hex(got), hex(to_bytes(want[op]))) << "op " << op << " a=" << hex(values[at + i]);
      }
    }
  }
}

// Random main-subgroup keys and scalars below L; the answer from libsodium.
void libsodium_cases(int count, std::vector<Case>& cases) {
  for (int i = 0; i < count; ++i) {
    Case c;
    uint8_t a[32], a_enc[32], sb[32], ka[32];
    crypto_core_ed25519_scalar_random(a);
    crypto_core_ed25519_scalar_random(c.k.data());
    crypto_core_ed25519_scalar_random(c.s.data());
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(a_enc, a), 0);
    ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(sb, c.s.data()), 0);
    ASSERT_EQ(crypto_scalarmult_ed25519_noclamp(ka, c.k.data(), a_enc), 0);
    ASSERT_EQ(crypto_core_ed25519_sub(c.expected.data(), sb, ka), 0);
    const auto pa = ref_decode(a_enc);
    ASSERT_TRUE(pa);
    ref_xy(*pa, c.ax, c.ay);
    cases.push_back(c);
  }
}

TEST_P(SimdEngine, RandomInputsMatchLibsodium) {
  const Engine e = GetParam();
  std::vector<Case> cases;
  libsodium_cases(kRandomCases, cases);
  ASSERT_FALSE(HasFatalFailure());
  const auto out = run(e.fn, e.lanes, cases, e.lanes);
  for (size_t i = 0; i < cases.size(); ++i) ASSERT_EQ(hex(out[i]), hex(cases[i].expected)) << i;
}

// The hook-shaped adapter: flat arrays, any n, several groups per call.
TEST_P(SimdEngine, LanesAdapterMatchesLibsodium) {
  const Engine e = GetParam();
  std::vector<Case> cases;
  libsodium_cases(37, cases);
  ASSERT_FALSE(HasFatalFailure());
  for (size_t n : {size_t{1}, e.lanes - 1, e.lanes, e.lanes + 1, cases.size()}) {
    std::vector<uint8_t> ax(32 * n), ay(32 * n), k(32 * n), s(32 * n), out(32 * n + 32, 0xa5);
    for (size_t i = 0; i < n; ++i) {
      std::memcpy(&ax[32 * i], cases[i].ax.data(), 32);
      std::memcpy(&ay[32 * i], cases[i].ay.data(), 32);
      std::memcpy(&k[32 * i], cases[i].k.data(), 32);
      std::memcpy(&s[32 * i], cases[i].s.data(), 32);
    }
    e.lanes_fn(n, ax.data(), ay.data(), k.data(), s.data(), out.data());
    for (size_t i = 0; i < n; ++i) {
      Bytes32 got;
      std::memcpy(got.data(), &out[32 * i], 32);
      ASSERT_EQ(hex(got), hex(cases[i].expected)) << "lane " << i << " n=" << n;
    }
    for (size_t b = 32 * n; b < out.size(); ++b) ASSERT_EQ(out[b], 0xa5) << "wrote past n=" << n;
  }
}

// Small-order and mixed-order A, edge scalars (0, 1, L-1, digit-boundary
// patterns, up to 2^255 - 1), and every partial lane count.
TEST_P(SimdEngine, EdgeCasesMatchReference) {
  const Engine e = GetParam();
  std::mt19937_64 rng(7);
  // An order-8 point; its multiples are the whole 8-torsion.
  const auto t8 = ref_decode(
      from_hex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05").data());
  ASSERT_TRUE(t8);
  const Bytes32 four = from_hex("0400000000000000000000000000000000000000000000000000000000000000");
  const Bytes32 eight =
      from_hex("0800000000000000000000000000000000000000000000000000000000000000");
  ASSERT_EQ(hex(ref_encode(ref_mul(eight.data(), *t8))), hex(ref_encode(ref_identity())));
  ASSERT_NE(hex(ref_encode(ref_mul(four.data(), *t8))), hex(ref_encode(ref_identity())));

  std::vector<RefPoint> points;
  RefPoint t = ref_identity();
  const auto base = *ref_decode(
      from_hex("5866666666666666666666666666666666666666666666666666666666666666").data());
  for (int j = 0; j < 8; ++j) {
    points.push_back(t);  // small order
    Bytes32 a = random_bytes(rng);
    a[31] &= 0x0f;
    points.push_back(ref_add(ref_mul(a.data(), base), t));  // mixed order
    t = ref_add(t, *t8);
  }
  std::vector<Bytes32> scalars = {
      from_hex("0000000000000000000000000000000000000000000000000000000000000000"),
      from_hex("0100000000000000000000000000000000000000000000000000000000000000"),
      l_minus(1),
      l_minus(2),
      kL,
      from_hex("8888888888888888888888888888888888888888888888888888888888888808"),
      from_hex("8080808080808080808080808080808080808080808080808080808080808000"),
      from_hex("f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f71f"),
      from_hex("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
  };
  for (int i = 0; i < 3; ++i) {
    Bytes32 r = random_bytes(rng);
    r[31] &= 0x1f;
    scalars.push_back(r);
  }
  std::vector<Case> cases;
  for (size_t p = 0; p < points.size(); ++p)
    for (size_t i = 0; i < scalars.size(); ++i)
      cases.push_back(make_case(points[p], scalars[i], scalars[(i * 5 + p) % scalars.size()]));
  for (size_t n = 1; n <= e.lanes; ++n) {
    const auto out = run(e.fn, e.lanes, cases, n);
    for (size_t i = 0; i < cases.size(); ++i)
      ASSERT_EQ(hex(out[i]), hex(cases[i].expected)) << "case " << i << " n=" << n;
  }
}

// Decoding: the independent reference (lenient) and the portable engine's
// ge_decode_affine, on valid points, random strings (about half have no
// square root), y >= p, the negative zero and the 8-torsion; odd n.
TEST_P(SimdEngine, DecodeMatchesReferenceAndPortable) {
  const Engine e = GetParam();
  std::mt19937_64 rng(99);
  std::vector<Bytes32> encs;
  for (const char* h : {"0000000000000000000000000000000000000000000000000000000000000000",
                        "0100000000000000000000000000000000000000000000000000000000000000",
                        "0100000000000000000000000000000000000000000000000000000000000080",
                        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
                        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
                        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
                        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
                        "5866666666666666666666666666666666666666666666666666666666666666"})
    encs.push_back(from_hex(h));
  for (int i = 0; i < kRandomCases; ++i) {
    Bytes32 b = random_bytes(rng);
    if (i % 2) {  // a valid point, either sign
      uint8_t a[32];
      crypto_core_ed25519_scalar_random(a);
      ASSERT_EQ(crypto_scalarmult_ed25519_base_noclamp(b.data(), a), 0);
    }
    encs.push_back(b);
  }
  const size_t n = encs.size();
  std::vector<uint8_t> enc(32 * n), x(32 * n), y(32 * n), ok(n + 1, 0xa5);
  for (size_t i = 0; i < n; ++i) std::memcpy(&enc[32 * i], encs[i].data(), 32);
  e.decode(n, enc.data(), x.data(), y.data(), ok.data());
  ASSERT_EQ(ok[n], 0xa5) << "wrote past n";
  size_t valid = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto want = ref_decode(encs[i].data(), /*lenient=*/true);
    vigil::crypto::Fe px, py;
    const bool portable_ok = vigil::crypto::ge_decode_affine(px, py, encs[i].data());
    ASSERT_EQ(ok[i], want ? 1 : 0) << hex(encs[i]);
    ASSERT_EQ(portable_ok, bool(want)) << hex(encs[i]);
    if (!want) continue;
    ++valid;
    Bytes32 wx, wy, gx, gy, ppx, ppy;
    ref_xy(*want, wx, wy);
    std::memcpy(gx.data(), &x[32 * i], 32);
    std::memcpy(gy.data(), &y[32 * i], 32);
    vigil::crypto::fe_tobytes(ppx.data(), px);
    vigil::crypto::fe_tobytes(ppy.data(), py);
    ASSERT_EQ(hex(gx), hex(wx)) << hex(encs[i]);
    ASSERT_EQ(hex(gy), hex(wy)) << hex(encs[i]);
    ASSERT_EQ(hex(gx), hex(ppx)) << hex(encs[i]);
    ASSERT_EQ(hex(gy), hex(ppy)) << hex(encs[i]);
  }
  EXPECT_GT(valid, n / 2);
  EXPECT_LT(valid, n);
}

INSTANTIATE_TEST_SUITE_P(
    Engines, SimdEngine,
    ::testing::Values(Engine{"avx512ifma", simd::double_scalarmult_encode_x8_ifma, 8,
                             simd::field_ops_x8_ifma, simd::ifma_supported, simd::decode_lanes_ifma,
                             simd::dsm_encode_lanes_ifma},
                      Engine{"avx2", simd::double_scalarmult_encode_x4_avx2, 4,
                             simd::field_ops_x4_avx2, simd::avx2_supported, simd::decode_lanes_avx2,
                             simd::dsm_encode_lanes_avx2}),
    [](const auto& p) { return std::string(p.param.name); });

}  // namespace
