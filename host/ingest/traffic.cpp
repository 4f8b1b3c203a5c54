#include "host/ingest/traffic.hpp"

#include <vigil/fi/token.h>

#include <algorithm>
#include <cstring>

namespace vigil::ingest {

crypto::Keypair sender_keypair(uint64_t seed, uint32_t i) {
  crypto::Seed s{};
  for (int b = 0; b < 8; ++b) {
    s[size_t(b)] = uint8_t(seed >> (8 * b));
    s[size_t(8 + b)] = uint8_t(uint64_t(i) >> (8 * b));
  }
  return crypto::keypair_from_seed(s);
}

TrafficGen::TrafficGen(const TrafficConfig& config, std::vector<crypto::Keypair> senders,
                       Signing signing)
    : config_(config), keys_(std::move(senders)), signing_(signing), state_(config.seed) {
  config_.payload_len = std::clamp<uint32_t>(config_.payload_len, 16, VIGIL_TX_PAYLOAD_MAX);
  if (keys_.empty()) keys_.push_back(sender_keypair(0, 0));
  payload_.resize(config_.payload_len);
}

uint64_t TrafficGen::rand() {
  // splitmix64
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

size_t TrafficGen::make_valid(std::span<uint8_t> out, bool corrupt_signature) {
  last_sender_ = uint32_t(rand() % keys_.size());
  // Sender and sequence number first: every payload, so every signature,
  // is different.
  const uint64_t seq = sequence_++;
  std::memcpy(payload_.data(), &last_sender_, 4);
  std::memcpy(payload_.data() + 4, &seq, 8);
  for (size_t i = 12; i < payload_.size(); i += 8) {
    const uint64_t r = rand();
    std::memcpy(payload_.data() + i, &r, std::min<size_t>(8, payload_.size() - i));
  }
  if (signing_ == Signing::ed25519) {
    const size_t n = sign_frame(keys_[last_sender_], payload_, out);
    if (corrupt_signature) {
      uint8_t* sig = out.data() + offsetof(vigil_tx_frame_ed25519, signature);
      sig[rand() % 32] ^= uint8_t(1u << (rand() % 8));  // R part
      reseal_crc(out.first(n));
    }
    return n;
  }
  std::array<uint8_t, 64> sig;
  for (size_t i = 0; i < 64; i += 8) {
    const uint64_t r = rand();
    std::memcpy(sig.data() + i, &r, 8);
  }
  return encode_frame(keys_[last_sender_].public_key, sig, payload_, out);
}

size_t TrafficGen::make_junk(std::span<uint8_t> out) {
  last_junk_ = JunkKind(junk_cycle_++ % uint32_t(JunkKind::count_));
  size_t n = make_valid(out, false);
  uint8_t* p = out.data();
  auto fix_crc = [&](size_t size) { reseal_crc(out.first(size)); };
  switch (last_junk_) {
    case JunkKind::short_frame:
      return rand() % sizeof(vigil_tx_frame_hdr);
    case JunkKind::oversized: {
      const size_t size = VIGIL_TX_FRAME_MAX + 1 + rand() % 32;
      for (size_t i = n; i < size; ++i) p[i] = uint8_t(rand());
      return size;
    }
    case JunkKind::unknown_version:
      p[0] = uint8_t(VIGIL_WIRE_VERSION + 1 + rand() % 200);
      if (p[0] == VIGIL_ADDR_TOKEN_MAGIC) p[0] ^= 0x40;  // not a token either
      fix_crc(n);
      return n;
    case JunkKind::unknown_scheme:
      p[1] = uint8_t(VIGIL_SCHEME_ED25519 + 1 + rand() % 200);
      fix_crc(n);
      return n;
    case JunkKind::bad_length:
      return n - 1 - rand() % 8;
    case JunkKind::bad_crc:
      p[8 + rand() % (n - 12)] ^= uint8_t(1u << (rand() % 8));
      return n;
    case JunkKind::random_bytes:
    case JunkKind::count_:
      break;
  }
  // Random bytes whose first byte is neither the wire version nor a token.
  n = 8 + rand() % 300;
  for (size_t i = 0; i < n; ++i) p[i] = uint8_t(rand());
  if (p[0] == VIGIL_WIRE_VERSION || p[0] == VIGIL_ADDR_TOKEN_MAGIC) p[0] ^= 0x40;
  return n;
}

size_t TrafficGen::make(TrafficKind kind, std::span<uint8_t> out) {
  switch (kind) {
    case TrafficKind::valid: {
      const size_t n = make_valid(out, false);
      if (recent_.size() < kRecent) {
        recent_.emplace_back(out.begin(), out.begin() + ptrdiff_t(n));
      } else {
        recent_[recent_next_].assign(out.begin(), out.begin() + ptrdiff_t(n));
        recent_next_ = (recent_next_ + 1) % kRecent;
      }
      return n;
    }
    case TrafficKind::invalid_signature:
      return make_valid(out, true);
    case TrafficKind::junk:
      return make_junk(out);
    case TrafficKind::duplicate: {
      if (recent_.empty()) return make(TrafficKind::valid, out);
      const std::vector<uint8_t>& f = recent_[rand() % recent_.size()];
      std::copy(f.begin(), f.end(), out.begin());
      return f.size();
    }
  }
  return 0;
}

size_t TrafficGen::next(std::span<uint8_t> out, TrafficKind& kind) {
  const TrafficMix& m = config_.mix;
  const uint64_t total = uint64_t(m.valid) + m.invalid_signature + m.junk + m.duplicate;
  uint64_t r = total ? rand() % total : 0;
  if (r < m.valid || total == 0) {
    kind = TrafficKind::valid;
  } else if ((r -= m.valid) < m.invalid_signature) {
    kind = TrafficKind::invalid_signature;
  } else if ((r -= m.invalid_signature) < m.junk) {
    kind = TrafficKind::junk;
  } else {
    kind = recent_.empty() ? TrafficKind::valid : TrafficKind::duplicate;
  }
  return make(kind, out);
}

}  // namespace vigil::ingest
