// Scalar arithmetic mod L by Barrett reduction of 512-bit products
// (Handbook of Applied Cryptography 14.42, base 2^64, k = 4).
#include "host/crypto/sc.hpp"

#include <cstring>

#include "host/crypto/fe.hpp"  // u128

namespace vigil::crypto {
namespace {

constexpr uint64_t kL[4] = {0x5812631a5cf5d3ed, 0x14def9dea2f79cd6, 0x0, 0x1000000000000000};
// floor(2^512 / L), 261 bits.
constexpr uint64_t kMu[5] = {0xed9ce5a30a2c131b, 0x2106215d086329a7, 0xffffffffffffffeb,
                             0xffffffffffffffff, 0xf};

// out[0..na+nb) = a * b.
void mul_limbs(uint64_t* out, const uint64_t* a, int na, const uint64_t* b, int nb) {
  for (int i = 0; i < na + nb; ++i) out[i] = 0;
  for (int i = 0; i < na; ++i) {
    uint64_t carry = 0;
    for (int j = 0; j < nb; ++j) {
      u128 t = (u128)a[i] * b[j] + out[i + j] + carry;
      out[i + j] = static_cast<uint64_t>(t);
      carry = static_cast<uint64_t>(t >> 64);
    }
    out[i + nb] = carry;
  }
}

// r (5 limbs, < 3L) minus L while >= L; returns the reduced 4 limbs.
Sc final_subtract(uint64_t r[5]) {
  for (int round = 0; round < 3; ++round) {
    uint64_t d[5];
    uint64_t borrow = 0;
    for (int i = 0; i < 5; ++i) {
      uint64_t li = i < 4 ? kL[i] : 0;
      u128 t = (u128)r[i] - li - borrow;
      d[i] = static_cast<uint64_t>(t);
      borrow = static_cast<uint64_t>(t >> 64) & 1;
    }
    if (borrow) break;  // r < L
    std::memcpy(r, d, sizeof d);
  }
  return Sc{{r[0], r[1], r[2], r[3]}};
}

Sc barrett(const uint64_t x[8]) {
  uint64_t q2[10];
  mul_limbs(q2, x + 3, 5, kMu, 5);  // q1 = x >> 192
  const uint64_t* q3 = q2 + 5;      // q2 >> 320
  uint64_t r2[9];
  mul_limbs(r2, q3, 5, kL, 4);
  uint64_t r[5];
  uint64_t borrow = 0;
  for (int i = 0; i < 5; ++i) {  // (x - q3 * L) mod 2^320
    u128 t = (u128)x[i] - r2[i] - borrow;
    r[i] = static_cast<uint64_t>(t);
    borrow = static_cast<uint64_t>(t >> 64) & 1;
  }
  return final_subtract(r);
}

}  // namespace

bool sc_is_canonical(const uint8_t s[32]) {
  uint64_t w[4];
  std::memcpy(w, s, 32);
  for (int i = 3; i >= 0; --i) {
    if (w[i] < kL[i]) return true;
    if (w[i] > kL[i]) return false;
  }
  return false;  // equal to L
}

Sc sc_load(const uint8_t s[32]) {
  Sc r;
  std::memcpy(r.v, s, 32);
  return r;
}

void sc_store(uint8_t out[32], const Sc& s) {
  std::memcpy(out, s.v, 32);
}

Sc sc_reduce512(const uint8_t wide[64]) {
  uint64_t x[8];
  std::memcpy(x, wide, 64);
  return barrett(x);
}

Sc sc_muladd(const Sc& a, const Sc& b, const Sc& c) {
  uint64_t x[8];
  mul_limbs(x, a.v, 4, b.v, 4);
  uint64_t carry = 0;
  for (int i = 0; i < 8; ++i) {
    u128 t = (u128)x[i] + (i < 4 ? c.v[i] : 0) + carry;
    x[i] = static_cast<uint64_t>(t);
    carry = static_cast<uint64_t>(t >> 64);
  }
  // a, b, c < 2^256 with a * b + c < 2^512 whenever a or b is < 2^255, which
  // holds for every caller (scalars < L, clamped secret keys < 2^255).
  return barrett(x);
}

Sc sc_mul(const Sc& a, const Sc& b) {
  return sc_muladd(a, b, Sc{{0, 0, 0, 0}});
}

Sc sc_add(const Sc& a, const Sc& b) {
  uint64_t r[5];
  uint64_t carry = 0;
  for (int i = 0; i < 4; ++i) {
    u128 t = (u128)a.v[i] + b.v[i] + carry;
    r[i] = static_cast<uint64_t>(t);
    carry = static_cast<uint64_t>(t >> 64);
  }
  r[4] = carry;
  return final_subtract(r);
}

Sc sc_neg(const Sc& a) {
  if (sc_is_zero(a)) return a;
  uint64_t r[4];
  uint64_t borrow = 0;
  for (int i = 0; i < 4; ++i) {
    u128 t = (u128)kL[i] - a.v[i] - borrow;
    r[i] = static_cast<uint64_t>(t);
    borrow = static_cast<uint64_t>(t >> 64) & 1;
  }
  return Sc{{r[0], r[1], r[2], r[3]}};
}

bool sc_is_zero(const Sc& a) {
  return (a.v[0] | a.v[1] | a.v[2] | a.v[3]) == 0;
}

}  // namespace vigil::crypto
