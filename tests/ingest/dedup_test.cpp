// SignatureDedup (fixed-memory, oldest forgotten first) and the token
// bucket table (deterministic budgets, penalties, bounded table).
#include "host/ingest/dedup.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <random>
#include <set>

#include "host/ingest/rate_limit.hpp"

namespace vigil::ingest {
namespace {

// The inline SipHash against the published vectors: SipHash-2-4 from the
// paper's reference code (key 00..0f, input 00 01 .. of each length) and
// SipHash-1-3 with an all-zero key, as other implementations print them.
TEST(KeyedHash, SipHashMatchesTheReferenceVectors) {
  uint8_t key[16], in[64];
  for (int i = 0; i < 16; ++i) key[i] = uint8_t(i);
  for (int i = 0; i < 64; ++i) in[i] = uint8_t(i);
  const uint64_t k0 = siphash::load_le64(key), k1 = siphash::load_le64(key + 8);
  const std::pair<size_t, uint64_t> v24[] = {
      {0, 0x726fdb47dd0e0e31ull}, {1, 0x74f839c593dc67fdull},  {7, 0xab0200f58b01d137ull},
      {8, 0x93f5f5799a932462ull}, {15, 0xa129ca6149be45e5ull}, {63, 0x958a324ceb064572ull}};
  for (const auto& [len, want] : v24)
    EXPECT_EQ((siphash::hash<2, 4>(k0, k1, in, len)), want) << len;
  const std::pair<const char*, uint64_t> v13[] = {{"", 0xd1fba762150c532cull},
                                                  {"siphash", 0x8264ceeccb16bcbeull},
                                                  {"digest-sip_hash", 0xce31007e34130c0aull}};
  for (const auto& [s, want] : v13)
    EXPECT_EQ((siphash::hash<1, 3>(0, 0, reinterpret_cast<const uint8_t*>(s), std::strlen(s))),
              want)
        << s;
}

TEST(Dedup, RemembersExactlyTheLastDepthTags) {
  SignatureDedup d(4, HashKey::from_seed(99));
  for (uint64_t t = 1; t <= 4; ++t) EXPECT_FALSE(d.check_and_insert(t));
  for (uint64_t t = 1; t <= 4; ++t) EXPECT_TRUE(d.contains(t));
  EXPECT_FALSE(d.check_and_insert(5));  // forgets 1, the oldest
  EXPECT_FALSE(d.contains(1));
  for (uint64_t t = 2; t <= 5; ++t) EXPECT_TRUE(d.contains(t));
  EXPECT_EQ(d.size(), 4u);
  EXPECT_EQ(d.evicted(), 1u);
  EXPECT_TRUE(d.check_and_insert(3));  // a duplicate does not refresh or evict
  EXPECT_EQ(d.evicted(), 1u);
}

TEST(Dedup, MatchesAReferenceModelAndMemoryStaysFixed) {
  // Colliding slots and long probe chains: random tags from a small range
  // so that deletions shift entries backwards often.
  SignatureDedup d(1000, HashKey::from_seed(5));
  const size_t mem = d.memory_bytes();
  std::deque<uint64_t> order;
  std::multiset<uint64_t> present;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200000; ++i) {
    const uint64_t t = 1 + rng() % 5000;
    const bool want = present.count(t) > 0;
    ASSERT_EQ(d.contains(t), want) << i;
    if (!want) {
      ASSERT_TRUE(d.insert(t)) << i;
      order.push_back(t);
      present.insert(t);
      if (order.size() > 1000) {
        present.erase(present.find(order.front()));
        order.pop_front();
      }
    }
    ASSERT_LE(d.size(), 1000u);
  }
  EXPECT_EQ(d.memory_bytes(), mem);
}

TEST(Dedup, TagUsesTheWholeSignatureTheKeyAndTheSecret) {
  uint8_t a[64] = {}, b[64] = {}, pk[32] = {}, pk2[32] = {};
  SignatureDedup d1(8, HashKey::from_seed(1)), d2(8, HashKey::from_seed(2));
  EXPECT_EQ(d1.tag(a, pk), d1.tag(b, pk));
  for (int i = 0; i < 64; ++i) {
    b[i] = 1;
    EXPECT_NE(d1.tag(a, pk), d1.tag(b, pk)) << i;
    b[i] = 0;
  }
  for (int i = 0; i < 32; ++i) {
    pk2[i] = 1;
    EXPECT_NE(d1.tag(a, pk), d1.tag(a, pk2)) << i;
    pk2[i] = 0;
  }
  EXPECT_NE(d1.tag(a, pk), d2.tag(a, pk));
  EXPECT_NE(d1.tag(a, pk), 0u);
  // Two secrets drawn from the operating system differ.
  SignatureDedup s1(8, HashKey::secret()), s2(8, HashKey::secret());
  EXPECT_NE(s1.tag(a, pk), s2.tag(a, pk));
}

// Finding 4, as mounted: tags piled onto one home slot (the attack the
// public, invertible hash allowed). Work stays bounded: no call probes more
// than kMaxProbe slots, and what does not fit near home is refused and
// counted, never searched for.
TEST(Dedup, TagsAimedAtOneSlotCostBoundedWork) {
  SignatureDedup d(1 << 14, HashKey::from_seed(7));
  const size_t slots = d.memory_bytes() / sizeof(uint64_t) - d.depth();
  uint64_t inv = SignatureDedup::kSlotMix;  // its inverse mod 2^64, by Newton
  for (int i = 0; i < 6; ++i) inv *= 2 - SignatureDedup::kSlotMix * inv;
  auto aimed = [&](uint64_t k) { return (5 + k * slots) * inv; };  // all at home slot 5
  uint64_t accepted = 0;
  for (uint64_t k = 1; k <= 40000; ++k) {
    ASSERT_FALSE(d.contains(aimed(k)));
    accepted += d.insert(aimed(k));
  }
  EXPECT_EQ(accepted, SignatureDedup::kMaxProbe);
  EXPECT_EQ(d.insert_refused(), 40000 - SignatureDedup::kMaxProbe);
  EXPECT_LE(d.max_probe(), SignatureDedup::kMaxProbe);
  // Those that went in are still found.
  for (uint64_t k = 1; k <= SignatureDedup::kMaxProbe; ++k) EXPECT_TRUE(d.contains(aimed(k)));
}

RateLimitConfig small_limits() {
  RateLimitConfig c;
  c.entries = 64;
  c.rate_per_sec = 1000;  // one token per millisecond
  c.burst = 10;
  c.invalid_penalty = 5;
  c.initial = 10;  // a new key starts full here; see NewKeysStartSmall
  return c;
}

TEST(RateLimit, BurstThenRefillAtTheConfiguredRate) {
  TokenBucketTable t(small_limits(), HashKey::from_seed(42));
  const uint64_t t0 = 1'000'000'000;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(t.allow(7, t0)) << i;
  EXPECT_FALSE(t.allow(7, t0));
  EXPECT_TRUE(t.allow(8, t0));  // another key has its own bucket
  EXPECT_FALSE(t.allow(7, t0 + 999'999));
  EXPECT_TRUE(t.allow(7, t0 + 1'000'000));  // 1 ms: one token
  EXPECT_FALSE(t.allow(7, t0 + 1'000'000));
  // Half-milliseconds add up: the remainder is not lost.
  EXPECT_FALSE(t.allow(7, t0 + 1'500'000));
  EXPECT_TRUE(t.allow(7, t0 + 2'000'000));
  // A long pause refills to the burst, no more.
  int ok = 0;
  while (t.allow(7, t0 + 10'000'000'000ull)) ++ok;
  EXPECT_EQ(ok, 10);
}

TEST(RateLimit, DeterministicForTheSameCalls) {
  auto run = [] {
    TokenBucketTable t(small_limits(), HashKey::from_seed(42));
    std::mt19937_64 rng(11);
    uint64_t now = 0, allowed = 0;
    for (int i = 0; i < 100000; ++i) {
      now += rng() % 200'000;
      const uint64_t key = rng() % 300;
      if (rng() % 10 == 0) t.penalize(key, now);
      allowed += t.allow(key, now);
    }
    return allowed * 1000003 + t.evictions();
  };
  EXPECT_EQ(run(), run());
}

TEST(RateLimit, PenaltiesDrainFasterAndDebtIsBounded) {
  TokenBucketTable t(small_limits(), HashKey::from_seed(42));
  const uint64_t t0 = 5'000'000'000;
  EXPECT_EQ(t.tokens_milli(1, t0), 10'000);
  t.penalize(1, t0);
  EXPECT_EQ(t.tokens_milli(1, t0), 5'000);
  for (int i = 0; i < 100; ++i) t.penalize(1, t0);
  EXPECT_EQ(t.tokens_milli(1, t0), -10'000);  // at most one burst of debt
  EXPECT_FALSE(t.allow(1, t0 + 10'000'000));  // 10 ms: still at 0
  EXPECT_TRUE(t.allow(1, t0 + 11'000'000));
}

TEST(RateLimit, TableIsBoundedAndOnlyIdleEntriesAreTakenOver) {
  TokenBucketTable t(small_limits(), HashKey::from_seed(42));
  const size_t mem = t.memory_bytes();
  // Busy keys (each has spent a token): none is ever evicted; the rest share
  // the overflow bucket.
  for (uint64_t k = 0; k < 100000; ++k) t.allow(k, 1000 + k);
  EXPECT_EQ(t.occupied(), t.capacity());
  EXPECT_EQ(t.capacity(), 64u);
  EXPECT_EQ(t.evictions(), 0u);
  EXPECT_EQ(t.overflowed(), 100000u - 64u);
  // Keys 10 ms apart: every entry has refilled (idle), so newcomers take
  // entries over.
  for (uint64_t k = 0; k < 1000; ++k) t.allow(1'000'000 + k, 1'000'000'000 + k * 10'000'000);
  EXPECT_GT(t.evictions(), 900u);
  EXPECT_EQ(t.memory_bytes(), mem);
}

// Finding 7, as mounted: more colliding keys than a set has ways, each
// returning after eviction. A newcomer never starts with a full bucket, and
// keys that find no idle entry share one overflow budget: together they
// get at most a few keys' worth, not one budget each.
TEST(RateLimit, ChurnBuysNoBudget) {
  RateLimitConfig c = small_limits();
  c.entries = 4;  // one set of four ways: every key collides
  c.initial = 2;
  TokenBucketTable t(c, HashKey::from_seed(3));
  uint64_t allowed = 0;
  const uint64_t t0 = 1'000'000'000;
  for (int round = 0; round < 1000; ++round)
    for (uint64_t k = 0; k < 40; ++k) allowed += t.allow(k, t0);  // same instant
  // Four entries of 2 initial tokens plus the overflow bucket's 2.
  EXPECT_EQ(allowed, 4u * 2 + 2);
  EXPECT_EQ(t.evictions(), 0u);
}

}  // namespace
}  // namespace vigil::ingest
