// TrafficGen: makes transaction frames for load generators, benchmarks and
// tests: valid ones, ones with an invalid signature, malformed junk of
// every kind ingest drops, and duplicates of recent valid frames, in a
// configured mix, from a seeded generator (the same seed gives the same
// frames).
//
// Signing is a callback so that this code does not depend on an Ed25519
// implementation: without one, "valid" frames carry a random signature,
// which is all a benchmark that excludes verification needs.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "host/ingest/frame.hpp"

namespace vigil::ingest {

enum class TrafficKind : uint8_t { valid, invalid_signature, junk, duplicate };

// What a junk frame is wrong by; cycles through all of them.
enum class JunkKind : uint8_t {
  short_frame,
  oversized,
  unknown_version,
  unknown_scheme,
  bad_length,
  bad_crc,
  random_bytes,
  count_
};

struct TrafficMix {
  // Relative weights.
  uint32_t valid = 1;
  uint32_t invalid_signature = 0;
  uint32_t junk = 0;
  uint32_t duplicate = 0;
};

// Signs `message` as sender `sender`; writes 64 bytes to `signature`.
using SignFn = std::function<void(uint32_t sender, std::span<const uint8_t> message,
                                  std::span<uint8_t, 64> signature)>;

struct TrafficConfig {
  TrafficMix mix;
  uint32_t payload_len = 64;  // at least 16 (sender and sequence number)
  uint64_t seed = 1;
};

class TrafficGen {
 public:
  // public_keys[i] is sender i's key; sign may be empty (random signatures).
  TrafficGen(const TrafficConfig& config, std::vector<std::array<uint8_t, 32>> public_keys,
             SignFn sign);

  // Writes the next frame into `out` (at least VIGIL_TX_FRAME_MAX + 64
  // bytes); returns its size and kind.
  size_t next(std::span<uint8_t> out, TrafficKind& kind);
  // The same for one kind, ignoring the mix.
  size_t make(TrafficKind kind, std::span<uint8_t> out);
  JunkKind last_junk() const { return last_junk_; }
  uint32_t last_sender() const { return last_sender_; }

  static constexpr size_t kMaxFrame = VIGIL_TX_FRAME_MAX + 64;

 private:
  uint64_t rand();
  size_t make_valid(std::span<uint8_t> out, bool corrupt_signature);
  size_t make_junk(std::span<uint8_t> out);

  TrafficConfig config_;
  std::vector<std::array<uint8_t, 32>> keys_;
  SignFn sign_;
  uint64_t state_;
  uint64_t sequence_ = 0;
  uint32_t junk_cycle_ = 0;
  JunkKind last_junk_ = JunkKind::short_frame;
  uint32_t last_sender_ = 0;
  std::vector<uint8_t> payload_;
  // The last few valid frames, for duplicates.
  static constexpr size_t kRecent = 64;
  std::vector<std::vector<uint8_t>> recent_;
  size_t recent_next_ = 0;
};

}  // namespace vigil::ingest
