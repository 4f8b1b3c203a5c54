// A fast keyed 64-bit hash of a few 64-bit words (signatures, public keys).
// Not a MAC: with a secret seed it stops an attacker from aiming inputs at
// one table slot or one tag, which is all ingest needs it for.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vigil::ingest {

inline uint64_t keyed_hash_words(uint64_t seed, const uint8_t* bytes, size_t words) {
  uint64_t h = seed | 1;
  for (size_t i = 0; i < words; ++i) {
    uint64_t w;
    std::memcpy(&w, bytes + 8 * i, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
  }
  h = (h ^ (h >> 29)) * 0x94d049bb133111ebull;
  return h ^ (h >> 32);
}

}  // namespace vigil::ingest
