// TokenBucketTable: per-key token buckets (a key is a source address or a
// sender's public key) in a bounded, set-associative table.
//
// Each key may send `rate_per_sec` frames per second with bursts of up to
// `burst`; reporting a failed signature costs it `invalid_penalty` frames
// more, down to one burst of debt, so a source of bad signatures falls
// silent for longer than an honest one. When a set is full the key seen
// least recently loses its entry (counted in evictions); a key that comes
// back starts with a full bucket, which only ever favours that key, never
// starves another.
//
// Promise: deterministic: the answer depends only on the sequence of calls
// and the `now_ns` arguments (nothing reads a clock; integer arithmetic);
// fixed memory from construction; no allocation per call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vigil::ingest {

struct RateLimitConfig {
  size_t entries = 1 << 16;  // table capacity (rounded up to a power of two)
  uint64_t rate_per_sec = 10000;
  uint64_t burst = 1000;
  uint64_t invalid_penalty = 10;
  uint64_t seed = 0;  // keys are hashed with it to pick a set
};

class TokenBucketTable {
 public:
  explicit TokenBucketTable(const RateLimitConfig& config);

  // Takes one token for `key` at time now_ns; false (and nothing taken)
  // when its bucket is empty.
  bool allow(uint64_t key, uint64_t now_ns);
  // Charges `key` invalid_penalty tokens (a failed signature).
  void penalize(uint64_t key, uint64_t now_ns);
  // Tokens `key` has now, in thousandths (for tests); a full bucket when
  // the key is not in the table.
  int64_t tokens_milli(uint64_t key, uint64_t now_ns);

  size_t capacity() const { return entries_.size(); }
  size_t occupied() const { return occupied_; }
  uint64_t evictions() const { return evictions_; }
  size_t memory_bytes() const { return entries_.size() * sizeof(Entry); }

 private:
  static constexpr size_t kWays = 4;
  struct Entry {
    uint64_t key;
    int64_t tokens_milli;  // may go negative (debt) after penalties
    uint64_t last_ns;
    uint64_t used;
  };
  Entry& find(uint64_t key, uint64_t now_ns);
  void refill(Entry& e, uint64_t now_ns) const;

  RateLimitConfig config_;
  int64_t full_milli_;
  int64_t floor_milli_;
  std::vector<Entry> entries_;
  size_t set_mask_;
  size_t occupied_ = 0;
  uint64_t evictions_ = 0;
};

}  // namespace vigil::ingest
