#include "host/ingest/rate_limit.hpp"

#include <algorithm>
#include <bit>

namespace vigil::ingest {

namespace {
// Bounds that keep elapsed * rate inside 64 bits.
constexpr uint64_t kMaxRate = 10'000'000;
constexpr uint64_t kMaxElapsedNs = 1'000'000'000'000ull;  // 1000 s
}  // namespace

TokenBucketTable::TokenBucketTable(const RateLimitConfig& config, const HashKey& key)
    : config_(config), hash_(key) {
  config_.rate_per_sec = std::clamp<uint64_t>(config_.rate_per_sec, 1, kMaxRate);
  config_.burst = std::clamp<uint64_t>(config_.burst, 1, uint64_t(1) << 32);
  config_.invalid_penalty = std::min<uint64_t>(config_.invalid_penalty, uint64_t(1) << 32);
  config_.initial = std::min(config_.initial, config_.burst);
  full_milli_ = int64_t(config_.burst * 1000);
  floor_milli_ = -full_milli_;
  const size_t n = std::bit_ceil(std::max(config_.entries, kWays));
  entries_.assign(n, Entry{0, 0, 0, 0});
  set_mask_ = n / kWays - 1;
  overflow_ = Entry{0, 0, 0, 0};  // starts (small) at its first use
}

void TokenBucketTable::refill(Entry& e, uint64_t now_ns) const {
  if (now_ns <= e.last_ns) return;  // time never runs backwards here
  const uint64_t elapsed = std::min(now_ns - e.last_ns, kMaxElapsedNs);
  // milli-tokens = elapsed_ns * rate / 1e6; the remainder is kept by only
  // advancing last_ns by the time actually converted into tokens.
  const uint64_t add = elapsed * config_.rate_per_sec / 1'000'000;
  if (add == 0) return;
  if (e.tokens_milli + int64_t(std::min<uint64_t>(add, uint64_t(3 * full_milli_))) >= full_milli_) {
    e.tokens_milli = full_milli_;
    e.last_ns = now_ns;
    return;
  }
  e.tokens_milli += int64_t(add);
  e.last_ns += add * 1'000'000 / config_.rate_per_sec;
}

TokenBucketTable::Entry& TokenBucketTable::find(uint64_t key, uint64_t now_ns) {
  Entry* set = &entries_[(size_t(set_hash(key)) & set_mask_) * kWays];
  for (size_t w = 0; w < kWays; ++w) {
    if (set[w].used && set[w].key == key) {
      refill(set[w], now_ns);
      return set[w];
    }
  }
  // A newcomer: a free way, else only an idle entry (refilled to full) may
  // be taken over, the least recently refilled first.
  Entry* victim = nullptr;
  for (size_t w = 0; w < kWays; ++w) {
    Entry& e = set[w];
    if (!e.used) {
      if (!victim || victim->used) victim = &e;
      continue;
    }
    refill(e, now_ns);
    if (e.tokens_milli == full_milli_ && (!victim || (victim->used && e.last_ns < victim->last_ns)))
      victim = &e;
  }
  if (!victim) {
    ++overflowed_;
    if (!overflow_.used) overflow_ = Entry{0, int64_t(config_.initial * 1000), now_ns, 1};
    refill(overflow_, now_ns);
    return overflow_;
  }
  if (victim->used) {
    ++evictions_;
  } else {
    ++occupied_;
  }
  *victim = Entry{key, int64_t(config_.initial * 1000), now_ns, 1};
  return *victim;
}

void TokenBucketTable::take(Entry& e, int64_t milli) const {
  e.tokens_milli = std::max(e.tokens_milli - milli, floor_milli_);
}

bool TokenBucketTable::allow(uint64_t key, uint64_t now_ns) {
  Entry& e = find(key, now_ns);
  if (e.tokens_milli < 1000) return false;
  e.tokens_milli -= 1000;
  return true;
}

bool TokenBucketTable::has_token(uint64_t key, uint64_t now_ns) {
  return find(key, now_ns).tokens_milli >= 1000;
}

void TokenBucketTable::charge(uint64_t key, uint64_t now_ns) {
  take(find(key, now_ns), 1000);
}

void TokenBucketTable::penalize(uint64_t key, uint64_t now_ns) {
  take(find(key, now_ns), int64_t(config_.invalid_penalty * 1000));
}

int64_t TokenBucketTable::tokens_milli(uint64_t key, uint64_t now_ns) {
  return find(key, now_ns).tokens_milli;
}

}  // namespace vigil::ingest
