// TokenBucketTable: per-key token buckets (a key is a proven source address
// or a sender's public key) in a bounded, set-associative table.
//
// Each key may send `rate_per_sec` frames per second with bursts of up to
// `burst`; reporting a failed signature costs it `invalid_penalty` frames
// more, down to one burst of debt, so a source of bad signatures falls
// silent for longer than an honest one.
//
// An attacker cannot buy budget with table churn:
//   - the set is picked by the top bits of key * m for a secret odd m
//     (Dietzfelbinger's multiply-shift: two keys share a set with
//     probability at most 2 / sets, one multiply instead of a SipHash), or
//     by the key's own bits when keys are secret hashes already, so keys
//     cannot be aimed at one set;
//   - a key that is new to the table starts with `initial` tokens, never a
//     full bucket;
//   - an entry is taken over only when it is free or its bucket has refilled
//     to full (it was idle; forgetting it loses nothing). When every entry
//     of the set is busy the newcomer shares one overflow bucket (same rate
//     and burst) with every other such key (counted in overflowed()), so no
//     number of colliding keys gets more than one key's budget more.
//
// A bucket counts nano-tokens (10^-9 of a frame), so a refill is one
// multiply, elapsed_ns * rate_per_sec, exact, with no division and no
// remainder to carry; the elapsed time is clamped first so the product
// stays inside 64 bits.
//
// Promise: deterministic given the hash key: the answer depends only on the
// sequence of calls and the `now_ns` arguments (nothing reads a clock;
// integer arithmetic); fixed memory from construction; no allocation per
// call; at most kWays entries read per call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "host/ingest/keyed_hash.hpp"

namespace vigil::ingest {

struct RateLimitConfig {
  size_t entries = 1 << 16;  // table capacity (rounded up to a power of two)
  uint64_t rate_per_sec = 10000;
  uint64_t burst = 1000;
  uint64_t invalid_penalty = 10;
  uint64_t initial = 16;  // tokens of a key new to the table (at most burst)
  // Keys are already secret hashes (Ingest's key ids): their own bits pick
  // the set, with no second hash.
  bool prehashed = false;
};

class TokenBucketTable {
 public:
  TokenBucketTable(const RateLimitConfig& config, const HashKey& key);

  // A key with its set picked: hashed once, for a prefetch and an allow()
  // soon after.
  struct Slot {
    uint64_t key;
    size_t set;  // index of the set's first entry
  };
  Slot slot(uint64_t key) const { return {key, set_of(key) * kWays}; }

  // Takes one token for `key` at time now_ns; false (and nothing taken)
  // when its bucket is empty.
  bool allow(Slot s, uint64_t now_ns);
  bool allow(uint64_t key, uint64_t now_ns) { return allow(slot(key), now_ns); }
  // True when `key` has a token, taking none (the frame is charged later).
  bool has_token(uint64_t key, uint64_t now_ns);
  // Takes one token for `key` whether it has one or not, down to the debt
  // floor (a frame that passed has_token and then verified).
  void charge(uint64_t key, uint64_t now_ns);
  // Charges `key` invalid_penalty tokens (a failed signature).
  void penalize(uint64_t key, uint64_t now_ns);
  // Starts loading a key's set, for a call soon after.
  void prefetch(Slot s) const {
    __builtin_prefetch(&entries_[s.set]);
    __builtin_prefetch(&entries_[s.set + kWays - 1]);
  }
  void prefetch(uint64_t key) const { prefetch(slot(key)); }
  // Tokens `key` has now, in thousandths, rounded down (for tests).
  int64_t tokens_milli(uint64_t key, uint64_t now_ns);

  size_t capacity() const { return entries_.size(); }
  size_t occupied() const { return occupied_; }
  uint64_t evictions() const { return evictions_; }
  uint64_t overflowed() const { return overflowed_; }
  size_t memory_bytes() const { return entries_.size() * sizeof(Entry); }

 private:
  static constexpr size_t kWays = 4;
  static constexpr int64_t kNano = 1'000'000'000;  // nano-tokens per token
  struct Entry {
    uint64_t key;
    int64_t tokens;  // nano-tokens; may go negative (debt) after penalties
    uint64_t last_ns;
    uint64_t used;
  };
  size_t set_of(uint64_t key) const {
    if (config_.prehashed) return size_t(key) & set_mask_;
    return set_mask_ ? size_t((key * multiplier_) >> set_shift_) : 0;
  }
  Entry& find(Slot s, uint64_t now_ns);
  void refill(Entry& e, uint64_t now_ns) const;
  void take(Entry& e, int64_t nano) const;

  RateLimitConfig config_;
  uint64_t multiplier_;   // secret, odd
  unsigned set_shift_;    // 64 - log2(sets)
  int64_t full_;          // burst, in nano-tokens
  int64_t floor_;         // -full_: at most one burst of debt
  uint64_t max_fill_ns_;  // time that refills an empty-to-floor bucket to full
  std::vector<Entry> entries_;
  Entry overflow_{};
  size_t set_mask_;
  size_t occupied_ = 0;
  uint64_t evictions_ = 0;
  uint64_t overflowed_ = 0;
};

}  // namespace vigil::ingest
