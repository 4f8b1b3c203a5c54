// Random and adversarial Ed25519 cases for differential tests: valid
// signatures, bit flips in key, message and signature, S >= L, non-canonical
// A and R (y >= p, x = 0 with the sign bit), all eight small-order points as
// A and as R, and mixed-order keys and nonces (a point plus a small-order
// one). Deterministic for a given seed.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "host/crypto/ed25519.hpp"

namespace vigil::test {

struct Ed25519Case {
  std::array<uint8_t, 32> pk;
  std::array<uint8_t, 64> sig;
  std::vector<uint8_t> msg;
  const char* kind;
};

class Ed25519CaseGen {
 public:
  explicit Ed25519CaseGen(uint64_t seed, size_t key_pool = 64);
  Ed25519Case next();
  // Encodings of points of small order: the 8 canonical ones, then the
  // non-canonical ones (y >= p, and x = 0 with the sign bit set).
  const std::vector<std::array<uint8_t, 32>>& small_order() const { return small_; }
  // A valid signature by a pool key on a random message.
  Ed25519Case valid();

 private:
  std::array<uint8_t, 32> random_bytes32();
  std::vector<uint8_t> random_message();
  // R = [r]B with S = r + k a for key `key` and the given (possibly
  // altered) public key bytes and R bytes: r_point is added to [r]B.
  Ed25519Case forge(const crypto::Keypair& key, const std::array<uint8_t, 32>& pk_bytes,
                    const std::array<uint8_t, 32>* r_override, bool key_is_small, const char* kind);

  std::mt19937_64 rng_;
  std::vector<crypto::Keypair> keys_;
  std::vector<std::array<uint8_t, 32>> small_;           // first 8: canonical
  std::vector<std::array<uint8_t, 32>> noncanonical_y_;  // y + p encodings that decode
};

std::string case_line(const Ed25519Case& c);  // "pk_hex sig_hex msg_hex|-"

}  // namespace vigil::test
