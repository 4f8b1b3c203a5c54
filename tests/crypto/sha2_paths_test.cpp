// Every SHA-2 code path this CPU supports, forced one after another through
// the test hook (sha2_paths.hpp), against OpenSSL: every length 0..300 (400
// for SHA-512), split updates, three-part messages split at every
// interesting point, batches of mixed, random (0..1000) and equal lengths at
// every size up to 65. A path the CPU lacks is skipped,
// saying so.
#include "host/crypto/sha2_paths.hpp"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <array>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "host/crypto/sha2.hpp"

namespace {

using vigil::crypto::Bytes;
using vigil::crypto::Hash256;
using vigil::crypto::Hash512;
namespace sha2 = vigil::crypto::sha2;
using sha2::Path;

// Forces paths for one test and restores dispatch's choice afterwards.
class ForcedPaths {
 public:
  explicit ForcedPaths(sha2::Paths p) : saved_(sha2::current_paths()), ok_(sha2::force_paths(p)) {}
  ~ForcedPaths() { sha2::force_paths(saved_); }
  bool ok() const { return ok_; }

 private:
  sha2::Paths saved_;
  bool ok_;
};

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> v(n);
  for (auto& b : v) b = static_cast<uint8_t>(rng());
  return v;
}

Hash256 ref256(Bytes m) {
  Hash256 h;
  SHA256(m.data(), m.size(), h.data());
  return h;
}

Hash512 ref512(Bytes m) {
  Hash512 h;
  SHA512(m.data(), m.size(), h.data());
  return h;
}

#define SKIP_UNLESS_SUPPORTED(path)                                                    \
  if (!sha2::cpu_supports(path)) {                                                     \
    GTEST_SKIP() << "this CPU lacks " << sha2::path_name(path) << "; path not tested"; \
  }

// ---- SHA-256, one message at a time (portable, SHA-NI) ----

class Sha256Single : public ::testing::TestWithParam<Path> {};

TEST_P(Sha256Single, EveryLengthAndSplitEqualsOpenSsl) {
  SKIP_UNLESS_SUPPORTED(GetParam());
  ForcedPaths forced({GetParam(), Path::portable, Path::portable});
  ASSERT_TRUE(forced.ok());
  ASSERT_EQ(sha2::current_paths().single256, GetParam());
  const auto msg = pattern(1000, 1);
  for (size_t len = 0; len <= 300; ++len) {
    const Hash256 want = ref256(Bytes(msg.data(), len));
    EXPECT_EQ(vigil::crypto::sha256(Bytes(msg.data(), len)), want) << "len " << len;
    for (size_t split : {size_t{1}, len / 3, len / 2, size_t{55}, size_t{63}, size_t{64},
                         size_t{65}, len > 0 ? len - 1 : 0}) {
      if (split > len) continue;
      vigil::crypto::Sha256 h;
      h.update(Bytes(msg.data(), split));
      h.update(Bytes(msg.data() + split, len / 2 > split ? len / 2 - split : 0));
      h.update(Bytes(msg.data() + std::max(split, len / 2), len - std::max(split, len / 2)));
      EXPECT_EQ(h.finish(), want) << "len " << len << " split " << split;
    }
  }
  // Many blocks in one update (SHA-NI's multi-block loop).
  const auto big = pattern(64 * 1000 + 17, 2);
  EXPECT_EQ(vigil::crypto::sha256(big), ref256(big));
}

INSTANTIATE_TEST_SUITE_P(Paths, Sha256Single, ::testing::Values(Path::portable, Path::shani),
                         [](const auto& p) { return std::string(sha2::path_name(p.param)); });

// ---- SHA-512, one message at a time (portable, libcrypto's block function) ----

class Sha512Single : public ::testing::TestWithParam<Path> {};

TEST_P(Sha512Single, EveryLengthAndSplitEqualsOpenSsl) {
  ForcedPaths forced({Path::portable, Path::portable, Path::portable, GetParam()});
  ASSERT_TRUE(forced.ok());
  ASSERT_EQ(sha2::current_paths().single512, GetParam());
  const auto msg = pattern(1000, 11);
  for (size_t len = 0; len <= 400; ++len) {
    const Hash512 want = ref512(Bytes(msg.data(), len));
    EXPECT_EQ(vigil::crypto::sha512(Bytes(msg.data(), len)), want) << "len " << len;
    for (size_t split : {size_t{1}, len / 3, size_t{111}, size_t{112}, size_t{127}, size_t{128},
                         size_t{129}, len > 0 ? len - 1 : 0}) {
      if (split > len) continue;
      vigil::crypto::Sha512 h;
      h.update(Bytes(msg.data(), split));
      h.update(Bytes(msg.data() + split, len - split));
      EXPECT_EQ(h.finish(), want) << "len " << len << " split " << split;
    }
  }
  const auto big = pattern(128 * 1000 + 17, 12);
  EXPECT_EQ(vigil::crypto::sha512(big), ref512(big));
}

INSTANTIATE_TEST_SUITE_P(Paths, Sha512Single, ::testing::Values(Path::portable, Path::libcrypto),
                         [](const auto& p) { return std::string(sha2::path_name(p.param)); });

// ---- Batches (portable one-at-a-time, AVX2 and AVX-512 lanes) ----

struct BatchCase {
  Path batch;
  Path single256;  // finishes SHA-256 stragglers
};

class Sha2Batch : public ::testing::TestWithParam<BatchCase> {
 protected:
  void SetUp() override {
    SKIP_UNLESS_SUPPORTED(GetParam().batch);
    SKIP_UNLESS_SUPPORTED(GetParam().single256);
    forced_.emplace(sha2::Paths{GetParam().single256, GetParam().batch, GetParam().batch});
    ASSERT_TRUE(forced_->ok());
  }
  std::optional<ForcedPaths> forced_;
};

TEST_P(Sha2Batch, EveryLengthInOneBatchEqualsOpenSsl) {
  const auto msg = pattern(1000, 3);
  // Lengths 0..300 in a scrambled order, so lanes of different lengths meet.
  std::vector<size_t> lens(301);
  for (size_t i = 0; i < lens.size(); ++i) lens[i] = (i * 97) % lens.size();
  std::vector<Bytes> msgs;
  for (size_t i = 0; i < lens.size(); ++i) msgs.emplace_back(msg.data() + i % 7, lens[i]);
  std::vector<Hash256> h256(msgs.size());
  std::vector<Hash512> h512(msgs.size());
  vigil::crypto::sha256_batch(msgs, h256);
  vigil::crypto::sha512_batch(msgs, h512);
  for (size_t i = 0; i < msgs.size(); ++i) {
    EXPECT_EQ(h256[i], ref256(msgs[i])) << "len " << lens[i];
    EXPECT_EQ(h512[i], ref512(msgs[i])) << "len " << lens[i];
  }
}

TEST_P(Sha2Batch, ThreePartsAtEverySplitEqualOpenSsl) {
  const auto msg = pattern(400, 4);
  std::vector<std::array<Bytes, 3>> items;
  std::vector<size_t> lens;
  for (size_t len = 0; len <= 300; len += 1) {
    // Split points around the start, the block sizes and the end.
    for (size_t a : {size_t{0}, size_t{1}, size_t{32}, size_t{64}, size_t{128}, len}) {
      for (size_t b : {a, a + 1, a + 32, size_t{128}, size_t{200}, len}) {
        if (a > len || b < a || b > len) continue;
        items.push_back(
            {Bytes(msg.data(), a), Bytes(msg.data() + a, b - a), Bytes(msg.data() + b, len - b)});
        lens.push_back(len);
      }
    }
  }
  std::vector<Hash256> h256(items.size());
  std::vector<Hash512> h512(items.size());
  vigil::crypto::sha256_batch3(items, h256);
  vigil::crypto::sha512_batch3(items, h512);
  for (size_t i = 0; i < items.size(); ++i) {
    const Bytes whole(msg.data(), lens[i]);
    ASSERT_EQ(h256[i], ref256(whole)) << "item " << i << " len " << lens[i];
    ASSERT_EQ(h512[i], ref512(whole)) << "item " << i << " len " << lens[i];
  }
}

TEST_P(Sha2Batch, EverySizeOfMixedBatchEqualsSingle) {
  const auto msg = pattern(40000, 5);
  std::mt19937 rng(6);
  for (size_t n = 0; n <= 40; ++n) {
    std::vector<Bytes> msgs;
    for (size_t i = 0; i < n; ++i) {
      // Mostly short; now and then one long enough to outlive the others.
      size_t len = rng() % 8 == 0 ? 10000 + rng() % 30000 : rng() % 600;
      msgs.emplace_back(msg.data() + rng() % 16, len);
    }
    std::vector<Hash256> h256(n);
    std::vector<Hash512> h512(n);
    vigil::crypto::sha256_batch(msgs, h256);
    vigil::crypto::sha512_batch(msgs, h512);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(h256[i], vigil::crypto::sha256(msgs[i])) << "batch " << n << " item " << i;
      ASSERT_EQ(h512[i], vigil::crypto::sha512(msgs[i])) << "batch " << n << " item " << i;
      ASSERT_EQ(h512[i], ref512(msgs[i])) << "batch " << n << " item " << i;
    }
  }
}

// Random lengths 0..1000 at every batch size up to two full AVX-512 steps
// and one more, so that every count of busy lanes meets every kind of block.
TEST_P(Sha2Batch, RandomLengthsAtEveryLaneCountEqualOpenSsl) {
  const auto msg = pattern(2000, 13);
  std::mt19937 rng(14);
  for (size_t n = 1; n <= 65; ++n) {
    std::vector<Bytes> msgs;
    for (size_t i = 0; i < n; ++i) msgs.emplace_back(msg.data() + rng() % 1000, rng() % 1001);
    std::vector<Hash256> h256(n);
    std::vector<Hash512> h512(n);
    vigil::crypto::sha256_batch(msgs, h256);
    vigil::crypto::sha512_batch(msgs, h512);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(h256[i], ref256(msgs[i])) << "batch " << n << " len " << msgs[i].size();
      ASSERT_EQ(h512[i], ref512(msgs[i])) << "batch " << n << " len " << msgs[i].size();
    }
  }
}

// Equal lengths put every lane on its padding-only final block at once, the
// step that runs on a precomputed schedule: every length, different bytes.
TEST_P(Sha2Batch, EqualLengthBatchesEqualOpenSsl) {
  const auto msg = pattern(2000, 15);
  for (size_t len = 0; len <= 300; ++len) {
    std::vector<Bytes> msgs;
    for (size_t i = 0; i < 40; ++i) msgs.emplace_back(msg.data() + 17 * i, len);
    std::vector<Hash256> h256(msgs.size());
    std::vector<Hash512> h512(msgs.size());
    vigil::crypto::sha256_batch(msgs, h256);
    vigil::crypto::sha512_batch(msgs, h512);
    for (size_t i = 0; i < msgs.size(); ++i) {
      ASSERT_EQ(h256[i], ref256(msgs[i])) << "len " << len << " item " << i;
      ASSERT_EQ(h512[i], ref512(msgs[i])) << "len " << len << " item " << i;
    }
  }
}

// The precomputed padding block is keyed on the message length: lanes that
// reach padding-only final blocks in the same step with different lengths
// (0/56/64 bytes for SHA-256, 112/128 for SHA-512: same block counts) must
// not share one schedule.
TEST_P(Sha2Batch, PaddingBlocksOfDifferentLengthsAreNotShared) {
  const auto msg = pattern(2000, 16);
  const size_t lens[] = {0, 56, 63, 64, 112, 120, 127, 128, 184, 192, 240, 256};
  for (size_t a : lens) {
    for (size_t b : lens) {
      std::vector<Bytes> msgs;
      for (size_t i = 0; i < 48; ++i) msgs.emplace_back(msg.data() + i, i % 3 == 0 ? b : a);
      std::vector<Hash256> h256(msgs.size());
      std::vector<Hash512> h512(msgs.size());
      vigil::crypto::sha256_batch(msgs, h256);
      vigil::crypto::sha512_batch(msgs, h512);
      for (size_t i = 0; i < msgs.size(); ++i) {
        ASSERT_EQ(h256[i], ref256(msgs[i])) << a << "/" << b << " item " << i;
        ASSERT_EQ(h512[i], ref512(msgs[i])) << a << "/" << b << " item " << i;
      }
    }
  }
}

// Ed25519's shape: R (32) || A (32) || M, many at once.
TEST_P(Sha2Batch, Ed25519ShapedBatch3EqualsOpenSsl) {
  const auto r = pattern(32 * 300, 7), a = pattern(32 * 300, 8), m = pattern(300 * 300, 9);
  std::vector<std::array<Bytes, 3>> items;
  for (size_t i = 0; i < 300; ++i) {
    items.push_back(
        {Bytes(r.data() + 32 * i, 32), Bytes(a.data() + 32 * i, 32), Bytes(m.data() + 300 * i, i)});
  }
  std::vector<Hash512> out(items.size());
  vigil::crypto::sha512_batch3(items, out);
  for (size_t i = 0; i < items.size(); ++i) {
    std::vector<uint8_t> whole;
    for (Bytes p : items[i]) whole.insert(whole.end(), p.begin(), p.end());
    ASSERT_EQ(out[i], ref512(whole)) << "item " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, Sha2Batch,
                         ::testing::Values(BatchCase{Path::portable, Path::portable},
                                           BatchCase{Path::portable, Path::shani},
                                           BatchCase{Path::avx2, Path::portable},
                                           BatchCase{Path::avx2, Path::shani},
                                           BatchCase{Path::avx512, Path::portable},
                                           BatchCase{Path::avx512, Path::shani}),
                         [](const auto& p) {
                           return std::string(sha2::path_name(p.param.batch)) + "_single_" +
                                  sha2::path_name(p.param.single256);
                         });

TEST(Sha2Paths, ForceRejectsWhatDoesNotFit) {
  const sha2::Paths before = sha2::current_paths();
  EXPECT_FALSE(sha2::force_paths({Path::avx2, Path::portable, Path::portable}));
  EXPECT_FALSE(sha2::force_paths({Path::portable, Path::shani, Path::portable}));
  EXPECT_EQ(sha2::current_paths().single256, before.single256);
  EXPECT_EQ(sha2::current_paths().batch256, before.batch256);
  EXPECT_EQ(sha2::current_paths().batch512, before.batch512);
  EXPECT_FALSE(sha2::force_paths({Path::portable, Path::portable, Path::portable, Path::shani}));
  EXPECT_FALSE(sha2::force_paths({Path::libcrypto, Path::portable, Path::portable}));
  EXPECT_EQ(sha2::current_paths().single512, before.single512);
  // Dispatch never picks what the CPU lacks.
  const sha2::Paths best = sha2::best_paths();
  EXPECT_TRUE(sha2::cpu_supports(best.single256));
  EXPECT_TRUE(sha2::cpu_supports(best.batch256));
  EXPECT_TRUE(sha2::cpu_supports(best.batch512));
}

}  // namespace
