// RFC 6962 Merkle trees: known answers from the Certificate Transparency
// test data, and, for every size 0..70 (and a larger tree), roots and
// inclusion paths against a naive recursive transcription of RFC 6962 2.1
// on OpenSSL's SHA-256, on every SHA-256 batch path the CPU supports.
#include "host/crypto/merkle.hpp"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <string>
#include <vector>

#include "host/crypto/sha2_paths.hpp"

namespace {

using vigil::crypto::Bytes;
using vigil::crypto::Hash256;
namespace sha2 = vigil::crypto::sha2;
using sha2::Path;

std::string hex(std::span<const uint8_t> b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) s += {d[c >> 4], d[c & 15]};
  return s;
}

// ---- The oracle: RFC 6962 2.1 as written, on OpenSSL ----

Hash256 ossl(std::vector<uint8_t> m) {
  Hash256 h;
  SHA256(m.data(), m.size(), h.data());
  return h;
}

Hash256 naive_leaf(Bytes d) {
  std::vector<uint8_t> m = {0x00};
  m.insert(m.end(), d.begin(), d.end());
  return ossl(m);
}

Hash256 naive_node(const Hash256& l, const Hash256& r) {
  std::vector<uint8_t> m = {0x01};
  m.insert(m.end(), l.begin(), l.end());
  m.insert(m.end(), r.begin(), r.end());
  return ossl(m);
}

size_t split_point(size_t n) {  // largest power of two < n
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash256 naive_mth(std::span<const Bytes> d) {
  if (d.empty()) return ossl({});
  if (d.size() == 1) return naive_leaf(d[0]);
  size_t k = split_point(d.size());
  return naive_node(naive_mth(d.first(k)), naive_mth(d.subspan(k)));
}

std::vector<Hash256> naive_path(size_t m, std::span<const Bytes> d) {
  if (d.size() <= 1) return {};
  size_t k = split_point(d.size());
  std::vector<Hash256> p;
  if (m < k) {
    p = naive_path(m, d.first(k));
    p.push_back(naive_mth(d.subspan(k)));
  } else {
    p = naive_path(m - k, d.subspan(k));
    p.push_back(naive_mth(d.first(k)));
  }
  return p;
}

// Leaves of varied lengths (the empty one included) and contents.
struct Leaves {
  explicit Leaves(size_t n) {
    for (size_t i = 0; i < n; ++i) {
      std::vector<uint8_t> v(i % 37);
      for (size_t j = 0; j < v.size(); ++j) v[j] = static_cast<uint8_t>(i * 31 + j);
      store.push_back(v);
    }
    for (const auto& v : store) spans.emplace_back(v);
  }
  std::vector<std::vector<uint8_t>> store;
  std::vector<Bytes> spans;
};

std::vector<Hash256> leaf_hashes(std::span<const Bytes> leaves) {
  std::vector<Hash256> h(leaves.size());
  vigil::crypto::merkle_leaf_hashes(leaves, h);
  return h;
}

// ---- Known answers ----

TEST(Merkle, CertificateTransparencyKnownAnswers) {
  // certificate-transparency's merkle tree test data: eight leaves and the
  // root of each prefix.
  const std::vector<std::vector<uint8_t>> data = {{},
                                                  {0x00},
                                                  {0x10},
                                                  {0x20, 0x21},
                                                  {0x30, 0x31},
                                                  {0x40, 0x41, 0x42, 0x43},
                                                  {0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57},
                                                  {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
                                                   0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f}};
  const char* roots[] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  std::vector<Bytes> leaves;
  for (const auto& d : data) leaves.emplace_back(d);
  for (size_t n = 1; n <= 8; ++n) {
    EXPECT_EQ(hex(vigil::crypto::merkle_root(std::span(leaves).first(n))), roots[n - 1])
        << "size " << n;
  }
  EXPECT_EQ(hex(vigil::crypto::merkle_root({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Merkle, RepeatedTailChangesTheRoot) {
  // CVE-2012-2459: Bitcoin's tree gives [a,b,c] and [a,b,c,c] one root.
  Leaves l(3);
  std::vector<Bytes> dup = l.spans;
  dup.push_back(l.spans[2]);
  EXPECT_NE(vigil::crypto::merkle_root(l.spans), vigil::crypto::merkle_root(dup));
}

// ---- Every size, every batch path ----

class MerklePaths : public ::testing::TestWithParam<Path> {
 protected:
  void SetUp() override {
    if (!sha2::cpu_supports(GetParam())) {
      GTEST_SKIP() << "this CPU lacks " << sha2::path_name(GetParam()) << "; path not tested";
    }
    saved_ = sha2::current_paths();
    ASSERT_TRUE(sha2::force_paths({saved_.single256, GetParam(), saved_.batch512}));
  }
  void TearDown() override { sha2::force_paths(saved_); }
  sha2::Paths saved_{};
};

TEST_P(MerklePaths, RootsEqualRfc6962ForSizes0To70AndLarger) {
  Leaves all(1100);
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 70; ++n) sizes.push_back(n);
  sizes.insert(sizes.end(), {127, 128, 129, 255, 256, 257, 1100});
  for (size_t n : sizes) {
    auto leaves = std::span<const Bytes>(all.spans).first(n);
    const Hash256 want = naive_mth(leaves);
    EXPECT_EQ(vigil::crypto::merkle_root(leaves), want) << "size " << n;
    std::vector<Hash256> scratch(n + 3);
    EXPECT_EQ(vigil::crypto::merkle_root(leaves, scratch), want) << "size " << n;
  }
}

TEST_P(MerklePaths, LevelInPlaceEqualsOutOfPlace) {
  Leaves all(301);
  for (size_t n :
       {size_t{1}, size_t{2}, size_t{3}, size_t{33}, size_t{256}, size_t{257}, size_t{301}}) {
    auto level = leaf_hashes(std::span<const Bytes>(all.spans).first(n));
    std::vector<Hash256> out((n + 1) / 2);
    ASSERT_EQ(vigil::crypto::merkle_level(level, out), (n + 1) / 2);
    for (size_t i = 0; i < n / 2; ++i) {
      EXPECT_EQ(out[i], naive_node(level[2 * i], level[2 * i + 1])) << n << " " << i;
    }
    if (n % 2 == 1) {
      EXPECT_EQ(out.back(), level.back());
    }
    ASSERT_EQ(vigil::crypto::merkle_level(level, level), (n + 1) / 2);
    EXPECT_TRUE(std::equal(out.begin(), out.end(), level.begin())) << "size " << n;
  }
}

TEST_P(MerklePaths, InclusionProofsMatchRfcAndVerifyForSizes1To70) {
  Leaves all(70);
  for (size_t n = 1; n <= 70; ++n) {
    auto leaves = std::span<const Bytes>(all.spans).first(n);
    auto hashes = leaf_hashes(leaves);
    const Hash256 root = vigil::crypto::merkle_root(leaves);
    for (size_t m = 0; m < n; ++m) {
      auto proof = vigil::crypto::merkle_inclusion_proof(hashes, m);
      ASSERT_EQ(proof, naive_path(m, leaves)) << "size " << n << " index " << m;
      EXPECT_TRUE(vigil::crypto::merkle_verify_inclusion(root, m, n, hashes[m], proof))
          << "size " << n << " index " << m;
    }
  }
}

// ---- Tampering ----

TEST(Merkle, TamperedProofsFail) {
  Leaves all(70);
  for (size_t n :
       {size_t{1}, size_t{2}, size_t{5}, size_t{8}, size_t{13}, size_t{64}, size_t{70}}) {
    auto leaves = std::span<const Bytes>(all.spans).first(n);
    auto hashes = leaf_hashes(leaves);
    const Hash256 root = vigil::crypto::merkle_root(leaves);
    for (size_t m = 0; m < n; ++m) {
      const auto proof = vigil::crypto::merkle_inclusion_proof(hashes, m);
      auto verify = [&](uint64_t idx, uint64_t size, const Hash256& leaf, const auto& p) {
        return vigil::crypto::merkle_verify_inclusion(root, idx, size, leaf, p);
      };
      ASSERT_TRUE(verify(m, n, hashes[m], proof));
      for (size_t i = 0; i < proof.size(); ++i) {  // a flipped bit in any path element
        auto bad = proof;
        bad[i][i % 32] ^= 0x01;
        EXPECT_FALSE(verify(m, n, hashes[m], bad)) << n << " " << m << " elem " << i;
      }
      Hash256 other_leaf = hashes[m];
      other_leaf[0] ^= 0x80;
      EXPECT_FALSE(verify(m, n, other_leaf, proof));
      if (n > 1) {
        EXPECT_FALSE(verify((m + 1) % n, n, hashes[m], proof)) << n << " " << m;
      }
      EXPECT_FALSE(verify(n, n, hashes[m], proof));  // index out of range
      auto longer = proof;
      longer.push_back(root);
      EXPECT_FALSE(verify(m, n, hashes[m], longer));
      if (!proof.empty()) {
        auto shorter = proof;
        shorter.pop_back();
        EXPECT_FALSE(verify(m, n, hashes[m], shorter));
      }
    }
  }
}

TEST(Merkle, ProofOfMissingIndexIsEmpty) {
  Leaves all(5);
  auto hashes = leaf_hashes(all.spans);
  EXPECT_TRUE(vigil::crypto::merkle_inclusion_proof(hashes, 5).empty());
  EXPECT_FALSE(vigil::crypto::merkle_verify_inclusion(vigil::crypto::merkle_root(all.spans), 0, 0,
                                                      hashes[0], {}));
}

INSTANTIATE_TEST_SUITE_P(Paths, MerklePaths,
                         ::testing::Values(Path::portable, Path::avx2, Path::avx512),
                         [](const auto& p) { return std::string(sha2::path_name(p.param)); });

}  // namespace
