// Keyed hashes for every table and tag an attacker can aim at (dedup, rate
// limits, address tokens), under a secret 128-bit key, so that without the
// key no input can be steered to a chosen slot, set or tag:
//   - mac():  SipHash-2-4 (libsodium's crypto_shorthash), the address-token
//             MAC, whose outputs clients see;
//   - table(): SipHash-1-3 of whole 64-bit words, inline, for the tables of
//             the packet path (dedup tags, key ids, rate-limit sets), whose
//             outputs never leave the process. 1-3 is the variant Rust's
//             HashMap and CPython key their tables with against hash
//             flooding; inline because libsodium's call alone (16 ns for 8
//             bytes, 46 ns for 96) costs more than the rest of a frame's
//             admission, and libsodium has no 1-3.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vigil::ingest {

namespace siphash {
inline uint64_t load_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | p[i];  // one load on little-endian hosts
  return v;
}

// SipHash-C-D (Aumasson and Bernstein) of `len` bytes under (k0, k1).
// Always inlined: with a constant `len` the loops unroll to straight code.
template <int C, int D>
[[gnu::always_inline]] inline uint64_t hash(uint64_t k0, uint64_t k1, const uint8_t* in,
                                            size_t len) {
  uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
  uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
  auto rounds = [&](int n) {
    for (int r = 0; r < n; ++r) {
      v0 += v1, v1 = std::rotl(v1, 13), v1 ^= v0, v0 = std::rotl(v0, 32);
      v2 += v3, v3 = std::rotl(v3, 16), v3 ^= v2;
      v0 += v3, v3 = std::rotl(v3, 21), v3 ^= v0;
      v2 += v1, v1 = std::rotl(v1, 17), v1 ^= v2, v2 = std::rotl(v2, 32);
    }
  };
  auto absorb = [&](uint64_t m) {
    v3 ^= m;
    rounds(C);
    v0 ^= m;
  };
  const size_t whole = len & ~size_t(7);
  for (size_t i = 0; i < whole; i += 8) absorb(load_le64(in + i));
  uint64_t last = uint64_t(len) << 56;
  for (size_t i = 0; i < (len & 7); ++i) last |= uint64_t(in[whole + i]) << (8 * i);
  absorb(last);
  v2 ^= 0xff;
  rounds(D);
  return v0 ^ v1 ^ v2 ^ v3;
}
}  // namespace siphash

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

  // SipHash-2-4 (libsodium).
  uint64_t mac(const void* bytes, size_t len) const;
  uint64_t mac_u64(uint64_t v) const { return mac(&v, sizeof v); }
  // SipHash-1-3, inline.
  [[gnu::always_inline]] uint64_t table(const uint8_t* bytes, size_t len) const {
    return siphash::hash<1, 3>(k0_, k1_, bytes, len);
  }
  [[gnu::always_inline]] uint64_t table_u64(uint64_t v) const {
    uint8_t b[8];
    for (int i = 0; i < 8; ++i) b[i] = uint8_t(v >> (8 * i));
    return table(b, 8);
  }

 private:
  void set(const std::array<uint8_t, 16>& key);
  std::array<uint8_t, 16> key_{};
  uint64_t k0_ = 0, k1_ = 0;  // key_ as SipHash reads it
};

}  // namespace vigil::ingest
