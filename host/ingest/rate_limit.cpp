#include "host/ingest/rate_limit.hpp"

#include <algorithm>
#include <bit>

namespace vigil::ingest {

namespace {
// Bounds that keep every nano-token quantity inside 63 bits: a burst or a
// penalty is at most 2^32 tokens (4.3e18 nano-tokens), a refill at most
// max_fill_ns_ * rate, about two bursts.
constexpr uint64_t kMaxRate = 10'000'000;
constexpr uint64_t kMaxTokens = uint64_t(1) << 32;
}  // namespace

TokenBucketTable::TokenBucketTable(const RateLimitConfig& config, const HashKey& key)
    : config_(config), multiplier_(key.mac_u64(0x6d756c7469) | 1) {
  config_.rate_per_sec = std::clamp<uint64_t>(config_.rate_per_sec, 1, kMaxRate);
  config_.burst = std::clamp<uint64_t>(config_.burst, 1, kMaxTokens);
  config_.invalid_penalty = std::min<uint64_t>(config_.invalid_penalty, kMaxTokens);
  config_.initial = std::min(config_.initial, config_.burst);
  full_ = int64_t(config_.burst) * kNano;
  floor_ = -full_;
  // From the floor to full is two bursts: 2 * burst * 1e9 / rate ns.
  max_fill_ns_ = uint64_t(2 * full_) / config_.rate_per_sec + 1;
  const size_t n = std::bit_ceil(std::max(config_.entries, kWays));
  entries_.assign(n, Entry{0, 0, 0, 0});
  set_mask_ = n / kWays - 1;
  set_shift_ = unsigned(64 - std::countr_zero(n / kWays));
  overflow_ = Entry{0, 0, 0, 0};  // starts (small) at its first use
}

void TokenBucketTable::refill(Entry& e, uint64_t now_ns) const {
  if (now_ns <= e.last_ns) return;  // time never runs backwards here
  const uint64_t add = std::min(now_ns - e.last_ns, max_fill_ns_) * config_.rate_per_sec;
  e.last_ns = now_ns;
  // full_ - tokens <= 2 * full_ < 2^63: no overflow on either side.
  e.tokens = add >= uint64_t(full_ - e.tokens) ? full_ : e.tokens + int64_t(add);
}

TokenBucketTable::Entry& TokenBucketTable::find(Slot s, uint64_t now_ns) {
  const uint64_t key = s.key;
  Entry* set = &entries_[s.set];
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
    if (e.tokens == full_ && (!victim || (victim->used && e.last_ns < victim->last_ns)))
      victim = &e;
  }
  if (!victim) {
    ++overflowed_;
    if (!overflow_.used) overflow_ = Entry{0, int64_t(config_.initial) * kNano, now_ns, 1};
    refill(overflow_, now_ns);
    return overflow_;
  }
  if (victim->used) {
    ++evictions_;
  } else {
    ++occupied_;
  }
  *victim = Entry{key, int64_t(config_.initial) * kNano, now_ns, 1};
  return *victim;
}

void TokenBucketTable::take(Entry& e, int64_t nano) const {
  e.tokens = std::max(e.tokens - nano, floor_);
}

bool TokenBucketTable::allow(Slot s, uint64_t now_ns) {
  Entry& e = find(s, now_ns);
  if (e.tokens < kNano) return false;
  e.tokens -= kNano;
  return true;
}

bool TokenBucketTable::has_token(uint64_t key, uint64_t now_ns) {
  return find(slot(key), now_ns).tokens >= kNano;
}

void TokenBucketTable::charge(uint64_t key, uint64_t now_ns) {
  take(find(slot(key), now_ns), kNano);
}

void TokenBucketTable::penalize(uint64_t key, uint64_t now_ns) {
  take(find(slot(key), now_ns), int64_t(config_.invalid_penalty) * kNano);
}

int64_t TokenBucketTable::tokens_milli(uint64_t key, uint64_t now_ns) {
  const int64_t t = find(slot(key), now_ns).tokens;
  return t >= 0 ? t / 1'000'000 : -((-t + 999'999) / 1'000'000);
}

}  // namespace vigil::ingest
