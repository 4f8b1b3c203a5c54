// The kernel suite on an OpenCL device (PoCL's CPU device in CI): speccheck
// edge cases under both rule sets, RFC 8032 vectors, SHA-2 FIPS vectors and
// random messages against OpenSSL, Merkle levels against a host RFC 6962
// tree, and 20,000 random and mutated signatures compared verdict for
// verdict with libsodium (strict) and the CPU engine (both rule sets).
// Built once per field representation: VIGIL_TEST_FIELD names it.
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <sodium.h>

#include <cstring>
#include <random>

#include "drivers/accel/accelerator.hpp"
#include "drivers/accel/cpu_engine.hpp"
#include "ed25519_cases.hpp"
#include "opencl_runner.hpp"

namespace {

using vigil::accel::BatchBuffer;
using vigil::crypto::Rules;
using vigil::test::SigCase;

vigil::test::OpenClRunner& runner() {
  static vigil::test::OpenClRunner r(*vigil::kernels::parse_field(VIGIL_TEST_FIELD));
  return r;
}

#define REQUIRE_DEVICE() \
  if (!runner().ready()) GTEST_SKIP() << runner().why()

BatchBuffer pack(const std::vector<SigCase>& cases, Rules rules) {
  size_t bytes = 0;
  for (const auto& c : cases) bytes += c.msg.size();
  BatchBuffer b(uint32_t(cases.size()), uint32_t(bytes));
  b.clear(rules);
  for (const auto& c : cases) EXPECT_TRUE(b.add(c.pk.data(), c.sig.data(), c.msg));
  b.seal();
  return b;
}

bool bit(const std::vector<uint32_t>& v, size_t i) {
  return (v[i >> 5] >> (i & 31)) & 1;
}

TEST(KernelsOpenCl, SpeccheckVectorsBothRuleSets) {
  REQUIRE_DEVICE();
  auto spec = vigil::test::load_speccheck(VIGIL_VECTORS_DIR);
  ASSERT_EQ(spec.cases.size(), 12u);
  for (Rules rules : {Rules::strict, Rules::zip215}) {
    const std::string& want = rules == Rules::strict ? spec.strict : spec.zip215;
    auto b = pack(spec.cases, rules);
    std::vector<uint32_t> verdict;
    auto errors = runner().verify(b, verdict);
    std::string got;
    for (size_t i = 0; i < spec.cases.size(); ++i) {
      got += bit(verdict, i) ? 'V' : 'X';
      EXPECT_EQ(bit(verdict, i), errors[i] == VIGIL_OK) << "case " << i;
    }
    EXPECT_EQ(got, want) << (rules == Rules::strict ? "strict" : "zip215");
  }
}

TEST(KernelsOpenCl, Rfc8032Vectors) {
  REQUIRE_DEVICE();
  std::vector<SigCase> cases;
  for (const auto& v : vigil::test::rfc8032_vectors()) {
    SigCase c;
    c.pk = vigil::test::hex_array<32>(v.pk);
    c.sig = vigil::test::hex_array<64>(v.sig);
    c.msg = vigil::test::from_hex(v.msg);
    // The vectors as typed here are RFC 8032's: libsodium derives the same
    // key and signature from the seed.
    auto seed = vigil::test::hex_array<32>(v.seed);
    uint8_t pk[32], sk[64], sig[64];
    crypto_sign_seed_keypair(pk, sk, seed.data());
    crypto_sign_detached(sig, nullptr, c.msg.data(), c.msg.size(), sk);
    ASSERT_EQ(0, std::memcmp(pk, c.pk.data(), 32));
    ASSERT_EQ(0, std::memcmp(sig, c.sig.data(), 64));
    cases.push_back(c);
    c.sig[40] ^= 0x10;  // and a copy with S changed (still < L)
    cases.push_back(c);
  }
  for (Rules rules : {Rules::strict, Rules::zip215}) {
    auto b = pack(cases, rules);
    std::vector<uint32_t> verdict;
    auto errors = runner().verify(b, verdict);
    for (size_t i = 0; i < cases.size(); ++i) {
      EXPECT_EQ(bit(verdict, i), i % 2 == 0) << "vector " << i / 2;
      EXPECT_EQ(errors[i], i % 2 == 0 ? VIGIL_OK : VIGIL_ERR_SIG_INVALID);
    }
  }
}

std::vector<uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

TEST(KernelsOpenCl, ShaFipsVectors) {
  REQUIRE_DEVICE();
  const std::vector<std::vector<uint8_t>> msgs = {
      bytes_of("abc"), bytes_of(""),
      bytes_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      bytes_of(
          "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmn"
          "opqrlmnopqrsmnopqrstnopqrstu"),
      std::vector<uint8_t>(1000000, 'a')};
  const char* want256[] = {"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                           "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
                           "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
                           "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"};
  const char* want512[] = {
      "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3f"
      "eebbd454d4423643ce80e2a9ac94fa54ca49f",
      "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877"
      "eec2f63b931bd47417a81a538327af927da3e",
      "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57"
      "789ca031ad85c7a71dd70354ec631238ca3445",
      "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4"
      "b5433ac7d329eeb6dd26545e96e55b874be909",
      "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce5"
      "77c31beb009c5c2c49aa2e4eadb217ad8cc09b"};
  auto d256 = runner().hash(msgs, false);
  auto d512 = runner().hash(msgs, true);
  for (size_t i = 0; i < msgs.size(); ++i) {
    EXPECT_EQ(std::vector<uint8_t>(d256.begin() + 32 * i, d256.begin() + 32 * (i + 1)),
              vigil::test::from_hex(want256[i]))
        << "sha256 #" << i;
    EXPECT_EQ(std::vector<uint8_t>(d512.begin() + 64 * i, d512.begin() + 64 * (i + 1)),
              vigil::test::from_hex(want512[i]))
        << "sha512 #" << i;
  }
}

TEST(KernelsOpenCl, ShaRandomLengthsMatchOpenSsl) {
  REQUIRE_DEVICE();
  std::mt19937 rng(7);
  std::vector<std::vector<uint8_t>> msgs;
  for (size_t len = 0; len < 300; ++len) {  // every padding boundary
    std::vector<uint8_t> m(len);
    for (auto& x : m) x = uint8_t(rng());
    msgs.push_back(m);
  }
  auto d256 = runner().hash(msgs, false);
  auto d512 = runner().hash(msgs, true);
  for (size_t i = 0; i < msgs.size(); ++i) {
    uint8_t r256[32], r512[64];
    SHA256(msgs[i].data(), msgs[i].size(), r256);
    SHA512(msgs[i].data(), msgs[i].size(), r512);
    EXPECT_EQ(0, std::memcmp(r256, &d256[32 * i], 32)) << "sha256 length " << i;
    EXPECT_EQ(0, std::memcmp(r512, &d512[64 * i], 64)) << "sha512 length " << i;
  }
}

using Node = std::array<uint8_t, 32>;

Node node_hash(const Node& l, const Node& r) {
  uint8_t buf[65];
  buf[0] = 1;
  std::memcpy(buf + 1, l.data(), 32);
  std::memcpy(buf + 33, r.data(), 32);
  Node out;
  SHA256(buf, sizeof buf, out.data());
  return out;
}

// RFC 6962 section 2.1 MTH over leaf hashes, split at the largest power of two.
Node mth(const std::vector<Node>& leaves, size_t lo, size_t hi) {
  if (hi - lo == 1) return leaves[lo];
  size_t k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return node_hash(mth(leaves, lo, lo + k), mth(leaves, lo + k, hi));
}

TEST(KernelsOpenCl, MerkleLevelsMatchRfc6962) {
  REQUIRE_DEVICE();
  std::mt19937 rng(11);
  for (size_t n : {1u, 2u, 3u, 5u, 8u, 13u, 64u, 1000u}) {
    std::vector<Node> leaves(n);
    for (auto& l : leaves)
      for (auto& x : l) x = uint8_t(rng());
    std::vector<uint8_t> level(n * 32);
    for (size_t i = 0; i < n; ++i) std::memcpy(&level[32 * i], leaves[i].data(), 32);
    // The first level against a direct host computation.
    auto first = runner().merkle_level(level);
    ASSERT_EQ(first.size(), (n + 1) / 2 * 32);
    for (size_t i = 0; i < n / 2; ++i)
      EXPECT_EQ(
          0, std::memcmp(node_hash(leaves[2 * i], leaves[2 * i + 1]).data(), &first[32 * i], 32));
    // The root by levels against the recursive definition.
    while (level.size() > 32) level = runner().merkle_level(level);
    EXPECT_EQ(0, std::memcmp(level.data(), mth(leaves, 0, n).data(), 32)) << n << " leaves";
  }
}

TEST(KernelsOpenCl, RandomAndMutatedSignaturesMatchTheCpuEngine) {
  REQUIRE_DEVICE();
  ASSERT_GE(sodium_init(), 0);
  vigil::test::CaseGenerator gen(20261125);
  auto cases = gen.make(20000);
  size_t strict_valid = 0, zip_valid = 0, differ = 0;
  std::vector<uint32_t> strict_verdict;
  for (Rules rules : {Rules::strict, Rules::zip215}) {
    auto b = pack(cases, rules);
    std::vector<uint32_t> verdict;
    auto errors = runner().verify(b, verdict);
    vigil::accel::Completion cpu;
    vigil::accel::cpu_verify(b, vigil::crypto::Engine::automatic, cpu);
    for (size_t i = 0; i < cases.size(); ++i) {
      const auto& c = cases[i];
      const bool got = bit(verdict, i);
      ASSERT_EQ(got, errors[i] == VIGIL_OK) << i;
      ASSERT_EQ(got, cpu.valid(uint32_t(i))) << "item " << i << " kind " << i % 14;
      ASSERT_EQ(errors[i], cpu.errors[i]) << "item " << i << " kind " << i % 14;
      if (rules == Rules::strict) {
        const bool sodium =
            crypto_sign_verify_detached(c.sig.data(), c.msg.data(), c.msg.size(), c.pk.data()) == 0;
        ASSERT_EQ(got, sodium) << "item " << i << " kind " << i % 14;
        strict_valid += got;
      } else {
        if (c.zip215_valid >= 0) {
          ASSERT_EQ(int(got), c.zip215_valid) << "item " << i;
        }
        zip_valid += got;
      }
    }
    if (rules == Rules::strict) {
      strict_verdict = verdict;
    } else {
      // zip215 accepts everything strict accepts, and more (torsion cases).
      for (size_t i = 0; i < cases.size(); ++i) {
        if (bit(strict_verdict, i)) {
          ASSERT_TRUE(bit(verdict, i)) << i;
        }
        differ += bit(strict_verdict, i) != bit(verdict, i);
      }
    }
  }
  // The mix exercises both outcomes and the rule sets' difference.
  EXPECT_GT(strict_valid, 3000u);
  EXPECT_GT(zip_valid, strict_valid);
  EXPECT_GT(differ, 1000u);
}

// The opencl driver with this representation at a small and a large launch
// shape gives the CPU engine's verdicts, and refuses a shape the kernel
// cannot take.
TEST(KernelsOpenCl, DriverRunsThisVariantAtEachLaunchShape) {
  REQUIRE_DEVICE();
  vigil::test::CaseGenerator gen(99);
  auto cases = gen.make(700);
  for (unsigned block : {32u, 128u}) {
    vigil::accel::Options o;
    o.kernel = {*vigil::kernels::parse_field(VIGIL_TEST_FIELD), block};
    o.cache_dir = VIGIL_TEST_CACHE_DIR;
    std::string why;
    auto acc = vigil::accel::make_accelerator("opencl:pthread", o, &why);
    ASSERT_TRUE(acc) << why;
    EXPECT_NE(acc->capabilities().name.find(VIGIL_TEST_FIELD), std::string::npos);
    for (Rules rules : {Rules::strict, Rules::zip215}) {
      auto b = pack(cases, rules);
      auto c = acc->verify_now(b);
      ASSERT_EQ(c.summary.status, VIGIL_OK);
      vigil::accel::Completion cpu;
      vigil::accel::cpu_verify(b, vigil::crypto::Engine::automatic, cpu);
      for (uint32_t i = 0; i < b.count(); ++i) {
        ASSERT_EQ(c.valid(i), cpu.valid(i)) << "block " << block << " item " << i;
        ASSERT_EQ(c.errors[i], cpu.errors[i]) << "block " << block << " item " << i;
      }
    }
  }
  vigil::accel::Options bad;
  bad.kernel.block = 48;
  std::string why;
  EXPECT_FALSE(vigil::accel::make_accelerator("opencl:pthread", bad, &why));
  EXPECT_NE(why.find("power of two"), std::string::npos) << why;
}

}  // namespace
