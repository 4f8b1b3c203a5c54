// Scalars mod L = 2^252 + 27742317777372353535851937790883648493, the order
// of the prime-order subgroup: four 64-bit little-endian limbs, always fully
// reduced (< L) unless a function says otherwise.
#pragma once

#include <cstdint>

namespace vigil::crypto {

struct Sc {
  uint64_t v[4];
};

// True when the 32 little-endian bytes encode an integer < L (RFC 8032's
// and libsodium's check on the S half of a signature).
bool sc_is_canonical(const uint8_t s[32]);
// Loads 32 bytes with no reduction (the caller knows they are < L).
Sc sc_load(const uint8_t s[32]);
void sc_store(uint8_t out[32], const Sc& s);
// A 512-bit little-endian integer mod L (Barrett reduction).
Sc sc_reduce512(const uint8_t wide[64]);
// a * b + c mod L, where a, b, c are any 256-bit integers.
Sc sc_muladd(const Sc& a, const Sc& b, const Sc& c);
Sc sc_mul(const Sc& a, const Sc& b);
// a + b mod L for a, b < L.
Sc sc_add(const Sc& a, const Sc& b);
// L - a mod L.
Sc sc_neg(const Sc& a);
bool sc_is_zero(const Sc& a);

}  // namespace vigil::crypto
