// TrafficGen: makes transaction frames for load generators, benchmarks and
// tests: valid ones, ones with an invalid signature, malformed junk of
// every kind ingest drops, and duplicates of recent valid frames, in a
// configured mix, from a seeded generator (the same seed gives the same
// frames).
//
// Valid frames are signed with sign_frame (frame.hpp), exactly as a client
// signs them; Signing::random puts random bytes in the signature instead,
// which is all a benchmark that excludes verification needs.
#pragma once

#include <array>
#include <cstdint>
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

enum class Signing : uint8_t { random, ed25519 };

// Sender i's key from `seed`: the same seed gives the same keys.
crypto::Keypair sender_keypair(uint64_t seed, uint32_t i);

struct TrafficConfig {
  TrafficMix mix;
  uint32_t payload_len = 64;  // at least 16 (sender and sequence number)
  uint64_t seed = 1;
};

class TrafficGen {
 public:
  // senders[i] is sender i's key (one key from seed 0 when empty).
  TrafficGen(const TrafficConfig& config, std::vector<crypto::Keypair> senders, Signing signing);

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
  std::vector<crypto::Keypair> keys_;
  Signing signing_;
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
