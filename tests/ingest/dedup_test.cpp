// SignatureDedup (fixed-memory, oldest forgotten first) and the token
// bucket table (deterministic budgets, penalties, bounded table).
#include "host/ingest/dedup.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <set>

#include "host/ingest/rate_limit.hpp"

namespace vigil::ingest {
namespace {

TEST(Dedup, RemembersExactlyTheLastDepthTags) {
  SignatureDedup d(4, 99);
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
  SignatureDedup d(1000, 5);
  const size_t mem = d.memory_bytes();
  std::deque<uint64_t> order;
  std::multiset<uint64_t> present;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 200000; ++i) {
    const uint64_t t = 1 + rng() % 5000;
    const bool want = present.count(t) > 0;
    ASSERT_EQ(d.contains(t), want) << i;
    if (!want) {
      d.insert(t);
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

TEST(Dedup, TagUsesTheWholeSignatureAndTheSeed) {
  uint8_t a[64] = {}, b[64] = {};
  SignatureDedup d1(8, 1), d2(8, 2);
  EXPECT_EQ(d1.tag(a), d1.tag(b));
  for (int i = 0; i < 64; ++i) {
    b[i] = 1;
    EXPECT_NE(d1.tag(a), d1.tag(b)) << i;
    b[i] = 0;
  }
  EXPECT_NE(d1.tag(a), d2.tag(a));
  EXPECT_NE(d1.tag(a), 0u);
}

RateLimitConfig small_limits() {
  RateLimitConfig c;
  c.entries = 64;
  c.rate_per_sec = 1000;  // one token per millisecond
  c.burst = 10;
  c.invalid_penalty = 5;
  c.seed = 42;
  return c;
}

TEST(RateLimit, BurstThenRefillAtTheConfiguredRate) {
  TokenBucketTable t(small_limits());
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
    TokenBucketTable t(small_limits());
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
  TokenBucketTable t(small_limits());
  const uint64_t t0 = 5'000'000'000;
  EXPECT_EQ(t.tokens_milli(1, t0), 10'000);
  t.penalize(1, t0);
  EXPECT_EQ(t.tokens_milli(1, t0), 5'000);
  for (int i = 0; i < 100; ++i) t.penalize(1, t0);
  EXPECT_EQ(t.tokens_milli(1, t0), -10'000);  // at most one burst of debt
  EXPECT_FALSE(t.allow(1, t0 + 10'000'000));  // 10 ms: still at 0
  EXPECT_TRUE(t.allow(1, t0 + 11'000'000));
}

TEST(RateLimit, TableIsBoundedAndEvictsTheLeastRecent) {
  TokenBucketTable t(small_limits());
  const size_t mem = t.memory_bytes();
  for (uint64_t k = 0; k < 100000; ++k) t.allow(k, k);
  EXPECT_LE(t.occupied(), t.capacity());
  EXPECT_EQ(t.capacity(), 64u);
  EXPECT_GT(t.evictions(), 99000u);
  EXPECT_EQ(t.memory_bytes(), mem);
}

}  // namespace
}  // namespace vigil::ingest
