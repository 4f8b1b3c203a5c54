// Ingest: the first stage after a packet port. For each datagram, in order
// of cost:
//   1. rate limit by source address  (before any parsing: a flood costs one
//                                     table lookup per datagram)
//   2. parse the frame (frame.hpp)   malformed: dropped by reason
//   3. dedup lookup by signature     a replay costs no one's budget
//   4. rate limit by sender key      (before any signature work)
//   5. remember the signature, pass the frame on
// Every datagram either passes or lands in exactly one drop counter, so
// received == accepted + dropped_total() always holds.
//
// Verification happens later; report_invalid_signature() feeds its failures
// back so that a source address that sends bad signatures loses budget
// faster. Only the source is charged, not the key the frame names: an
// invalid signature does not show that the key's owner sent it, and
// charging the key would let anyone silence an honest sender by forging
// frames in its name.
//
// Known limit: the per-key budget is taken before verification, so frames
// forged in an honest key's name do spend that key's tokens, as many as
// the forger's own source budgets let through.
//
// Promise: deterministic given its inputs (time is an argument); fixed
// memory from construction; no allocation per frame.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "host/ingest/dedup.hpp"
#include "host/ingest/frame.hpp"
#include "host/ingest/rate_limit.hpp"

namespace vigil::ingest {

// Why a datagram was dropped; the counters are indexed by it.
enum class Drop : uint8_t {
  short_frame,
  bad_length,
  bad_crc,
  unknown_version,
  unknown_scheme,
  oversized,
  duplicate,
  rate_limited_source,
  rate_limited_key,
  count_
};
inline constexpr size_t kDropReasons = size_t(Drop::count_);

std::string_view drop_name(Drop d);
// The wire error code a drop reason reports as (enum vigil_error).
vigil_error drop_error(Drop d);

struct IngestCounters {
  uint64_t received = 0;
  uint64_t accepted = 0;
  std::array<uint64_t, kDropReasons> dropped{};
  uint64_t invalid_signatures_reported = 0;

  uint64_t drops(Drop d) const { return dropped[size_t(d)]; }
  uint64_t dropped_total() const;
};

struct IngestConfig {
  size_t dedup_depth = 1 << 20;
  uint64_t dedup_seed = 0x7669676c64656475ull;
  RateLimitConfig by_source{.entries = 1 << 16, .rate_per_sec = 100000, .burst = 10000};
  RateLimitConfig by_key{.entries = 1 << 16, .rate_per_sec = 10000, .burst = 1000};
  bool rate_limits = true;  // off: only parse and dedup (benchmarks of those)
};

class Ingest {
 public:
  explicit Ingest(const IngestConfig& config);

  // Admits one datagram from `src_addr` at `now_ns`. VIGIL_OK and `out`
  // filled (views into `bytes`) when it passes; else the drop, counted.
  vigil_error admit(std::span<const uint8_t> bytes, uint32_t src_addr, uint64_t now_ns,
                    FrameView& out);
  // Verification found the signature of a frame from `src_addr` invalid:
  // charge the source invalid_penalty tokens.
  void report_invalid_signature(uint32_t src_addr, uint64_t now_ns);

  const IngestCounters& counters() const { return counters_; }
  const SignatureDedup& dedup() const { return dedup_; }
  const TokenBucketTable& source_limits() const { return by_source_; }
  const TokenBucketTable& key_limits() const { return by_key_; }
  // Bytes of state, fixed at construction.
  size_t memory_bytes() const;

 private:
  vigil_error drop(Drop d) {
    ++counters_.dropped[size_t(d)];
    return drop_error(d);
  }
  uint64_t key_id(const uint8_t* public_key) const;

  IngestConfig config_;
  SignatureDedup dedup_;
  TokenBucketTable by_source_;
  TokenBucketTable by_key_;
  IngestCounters counters_;
};

}  // namespace vigil::ingest
