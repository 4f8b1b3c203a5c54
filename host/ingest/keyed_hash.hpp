// Keyed hashes for every table and tag an attacker can aim at (dedup, rate
// limits, address tokens): SipHash-2-4 (libsodium's crypto_shorthash), a
// pseudorandom function under a secret 128-bit key, so that without the key
// no input can be steered to a chosen slot, set or tag.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace vigil::ingest {

class HashKey {
 public:
  // A fresh secret from the operating system (getrandom): what production
  // uses, one per process.
  static HashKey secret();
  // Derived from a public seed: reproducible tests only.
  static HashKey from_seed(uint64_t seed);
  // seed 0: secret(); anything else: from_seed(seed).
  static HashKey from_config(uint64_t seed) { return seed ? from_seed(seed) : secret(); }
  // A key for another table, independent of this one.
  HashKey derive(uint64_t domain) const;

  uint64_t hash(const void* bytes, size_t len) const;
  uint64_t hash_u64(uint64_t v) const { return hash(&v, sizeof v); }

 private:
  std::array<uint8_t, 16> key_{};
};

}  // namespace vigil::ingest
