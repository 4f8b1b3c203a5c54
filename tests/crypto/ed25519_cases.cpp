// Case generator for the Ed25519 differential tests (ed25519_cases.hpp).
#include "tests/crypto/ed25519_cases.hpp"

#include <cstring>

#include "host/crypto/ed25519_rules.hpp"
#include "host/crypto/ge.hpp"
#include "host/crypto/sc.hpp"
#include "tests/crypto/test_util.hpp"

namespace vigil::test {
namespace {

using namespace vigil::crypto;
using Bytes32 = std::array<uint8_t, 32>;

Bytes32 encode(const GeP3& p) {
  Bytes32 out;
  ge_tobytes(out.data(), p);
  return out;
}

GeP3 decode(const Bytes32& b) {
  Fe x, y;
  if (!ge_decode_affine(x, y, b.data())) std::abort();
  return ge_from_affine(x, y);
}

constexpr uint8_t kL[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                            0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                            0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

// out = a + m * L as a 256-bit integer (no reduction), for S >= L cases.
void add_multiple_of_l(uint8_t s[32], unsigned m) {
  unsigned carry = 0;
  for (int i = 0; i < 32; ++i) {
    const unsigned t = s[i] + m * kL[i] + carry;
    s[i] = static_cast<uint8_t>(t);
    carry = t >> 8;
  }
}

}  // namespace

Ed25519CaseGen::Ed25519CaseGen(uint64_t seed, size_t key_pool) : rng_(seed) {
  for (size_t i = 0; i < key_pool; ++i) {
    Seed s = random_bytes32();
    keys_.push_back(keypair_from_seed(s));
  }
  // The order-8 point with y = 2707...022 and x even; its multiples are
  // every point of small order.
  Bytes32 t8{0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
             0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
             0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05};
  GeP3 p = ge_identity();
  const GeP3 t = decode(t8);
  for (int i = 0; i < 8; ++i) {
    small_.push_back(encode(p));
    p = ge_add3(p, t);
  }
  // Non-canonical aliases: y + p for y < 19 that decode (0 and 1 among
  // them), each with both sign bits; and x = 0 with the sign bit set.
  for (uint8_t y = 0; y < 19; ++y) {
    Bytes32 b{};
    b[0] = static_cast<uint8_t>(0xed + y);
    for (int i = 1; i < 31; ++i) b[i] = 0xff;
    b[31] = 0x7f;
    Fe fx, fy;
    if (!ge_decode_affine(fx, fy, b.data())) continue;
    for (uint8_t sign : {0, 0x80}) {
      Bytes32 e = b;
      e[31] |= sign;
      if (y <= 1) {
        small_.push_back(e);
      } else {
        noncanonical_y_.push_back(e);
      }
    }
  }
  Bytes32 one{1};
  one[31] = 0x80;  // identity, x = -0
  small_.push_back(one);
  Bytes32 minus_one = small_[4];  // 4 * T8 is the point of order 2, y = -1
  minus_one[31] |= 0x80;
  small_.push_back(minus_one);
}

Bytes32 Ed25519CaseGen::random_bytes32() {
  Bytes32 b;
  for (int i = 0; i < 4; ++i) {
    const uint64_t w = rng_();
    std::memcpy(b.data() + 8 * i, &w, 8);
  }
  return b;
}

std::vector<uint8_t> Ed25519CaseGen::random_message() {
  std::vector<uint8_t> m(rng_() % 80);
  for (auto& c : m) c = static_cast<uint8_t>(rng_());
  return m;
}

Ed25519Case Ed25519CaseGen::valid() {
  const Keypair& key = keys_[rng_() % keys_.size()];
  Ed25519Case c{key.public_key, {}, random_message(), "valid"};
  c.sig = sign(key, c.msg);
  return c;
}

Ed25519Case Ed25519CaseGen::forge(const Keypair& key, const Bytes32& pk_bytes,
                                  const Bytes32* r_override, bool key_is_small, const char* kind) {
  Ed25519Case c{pk_bytes, {}, random_message(), kind};
  uint8_t a[32], prefix[32];
  ed25519_expand_seed(key.seed, a, prefix);
  Bytes32 rb = random_bytes32();
  rb[31] &= 0x0f;  // r < L
  const Bytes32 r_enc = r_override ? *r_override : encode(ge_scalarmult_base(rb.data()));
  std::memcpy(c.sig.data(), r_enc.data(), 32);
  const Sc k = ed25519_challenge(c.sig.data(), c.pk.data(), c.msg);
  // S = r + k a (a real key) or S = r (a small-order key, whose [k]A the
  // cofactor removes); r = 0 when R is overridden (its [8]R vanishes only
  // when R is small, which is the case of interest).
  const Sc r = r_override ? Sc{{0, 0, 0, 0}} : sc_load(rb.data());
  const Sc s = key_is_small ? r : sc_muladd(k, sc_load(a), r);
  sc_store(c.sig.data() + 32, s);
  return c;
}

Ed25519Case Ed25519CaseGen::next() {
  const unsigned kind = rng_() % 20;
  const Keypair& key = keys_[rng_() % keys_.size()];
  const Bytes32& small = small_[rng_() % small_.size()];
  switch (kind) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
      return valid();
    case 5: {
      Ed25519Case c = valid();
      c.pk[rng_() % 32] ^= static_cast<uint8_t>(1 << (rng_() % 8));
      c.kind = "flip-pk";
      return c;
    }
    case 6: {
      Ed25519Case c = valid();
      if (c.msg.empty()) {
        c.msg.push_back(0);
      } else {
        c.msg[rng_() % c.msg.size()] ^= static_cast<uint8_t>(1 << (rng_() % 8));
      }
      c.kind = "flip-msg";
      return c;
    }
    case 7: {
      Ed25519Case c = valid();
      c.sig[rng_() % 64] ^= static_cast<uint8_t>(1 << (rng_() % 8));
      c.kind = "flip-sig";
      return c;
    }
    case 8: {  // S + mL, m = 1..15 (stays below 2^256)
      Ed25519Case c = valid();
      add_multiple_of_l(c.sig.data() + 32, 1 + rng_() % 15);
      c.kind = "s-plus-l";
      return c;
    }
    case 9: {  // S with random high bits
      Ed25519Case c = valid();
      c.sig[63] |= static_cast<uint8_t>(rng_() | 0x10);
      c.kind = "s-high";
      return c;
    }
    case 10: {  // small-order R (canonical or not), valid under zip215
      return forge(key, key.public_key, &small, false, "small-r");
    }
    case 11: {  // small-order A (canonical or not): S = r
      Ed25519Case c = forge(key, small, nullptr, true, "small-a");
      if (rng_() % 4 == 0) c.sig[32] ^= 1;
      return c;
    }
    case 12: {  // both small: S = 0
      const Bytes32& r = small_[rng_() % small_.size()];
      Ed25519Case c{small, {}, random_message(), "small-a-small-r"};
      std::memcpy(c.sig.data(), r.data(), 32);
      return c;
    }
    case 13: {  // mixed-order key A + T
      const Bytes32 mixed = encode(ge_add3(decode(key.public_key), decode(small_[rng_() % 8])));
      return forge(key, mixed, nullptr, false, "mixed-a");
    }
    case 14: {  // mixed-order nonce R + T, hashed as received
      uint8_t a[32], prefix[32];
      ed25519_expand_seed(key.seed, a, prefix);
      Bytes32 rb = random_bytes32();
      rb[31] &= 0x0f;
      const Bytes32 r_enc =
          encode(ge_add3(ge_scalarmult_base(rb.data()), decode(small_[rng_() % 8])));
      Ed25519Case c{key.public_key, {}, random_message(), "mixed-r"};
      std::memcpy(c.sig.data(), r_enc.data(), 32);
      const Sc k = ed25519_challenge(c.sig.data(), c.pk.data(), c.msg);
      sc_store(c.sig.data() + 32, sc_muladd(k, sc_load(a), sc_load(rb.data())));
      return c;
    }
    case 15: {  // non-canonical y >= p of a non-small point as A or R
      const Bytes32& nc = noncanonical_y_[rng_() % noncanonical_y_.size()];
      Ed25519Case c = valid();
      if (rng_() & 1) {
        c.pk = nc;
      } else {
        std::memcpy(c.sig.data(), nc.data(), 32);
      }
      c.kind = "noncanonical-y";
      return c;
    }
    case 16: {  // a valid signature whose A is re-encoded as y + p when y < 19: rare, so
                // instead flip A's sign bit (decodes to -A, or fails on x = 0)
      Ed25519Case c = valid();
      c.pk[31] ^= 0x80;
      c.kind = "flip-sign-a";
      return c;
    }
    case 17: {  // a signature under a mixed-order key that also has a small R
      const Bytes32 mixed = encode(ge_add3(decode(key.public_key), decode(small_[rng_() % 8])));
      return forge(key, mixed, &small, false, "mixed-a-small-r");
    }
    default: {  // random bytes
      Ed25519Case c{random_bytes32(), {}, random_message(), "random"};
      const Bytes32 r = random_bytes32();
      Bytes32 s = random_bytes32();
      s[31] &= 0x1f;
      std::memcpy(c.sig.data(), r.data(), 32);
      std::memcpy(c.sig.data() + 32, s.data(), 32);
      return c;
    }
  }
}

std::string case_line(const Ed25519Case& c) {
  return to_hex(c.pk.data(), 32) + " " + to_hex(c.sig.data(), 64) + " " +
         (c.msg.empty() ? std::string("-") : to_hex(c.msg.data(), c.msg.size()));
}

}  // namespace vigil::test
