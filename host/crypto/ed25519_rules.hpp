// The two consensus rule sets, item by item, up to the group equation:
// which encodings each accepts, and the prepared (decoded, hashed) form that
// the single and batch verifiers then check.
//
// strict (libsodium 1.0.18 crypto_sign_verify_detached, checked in this order):
//   S < L; R's y not on the small-order blacklist; A's y < p; A's y not on
//   the blacklist; A decodes; encode([S]B - [k]A) equals R's bytes. R is never
//   decoded: a non-canonical or off-curve R can't equal a canonical encoding.
// zip215: S < L; A and R decode (y >= p and x = 0 with the sign bit
//   accepted); [8]([S]B - [k]A - R) is the identity.
// Both: k = SHA-512(R bytes || A bytes || message) mod L, bytes as received.
#pragma once

#include <cstdint>

#include "host/crypto/ed25519.hpp"
#include "host/crypto/ge.hpp"
#include "host/crypto/sc.hpp"

namespace vigil::crypto {

// libsodium's ge25519_is_canonical: y (bit 255 ignored) is below p.
bool ed25519_y_is_canonical(const uint8_t s[32]);
// libsodium's ge25519_has_small_order: y (bit 255 ignored) is one of the
// seven encodings of a small-order point's y, canonical or not (0, 1, the
// two order-8 y values, p-1, p, p+1); the sign bit plays no part.
bool ed25519_has_small_order(const uint8_t s[32]);

// RFC 8032 5.1.5: the clamped secret scalar (< 2^255) and the nonce prefix.
void ed25519_expand_seed(const Seed& seed, uint8_t scalar[32], uint8_t prefix[32]);

// k = SHA-512(r || a || message) mod L.
Sc ed25519_challenge(const uint8_t r[32], const uint8_t a[32], std::span<const uint8_t> message);

struct StrictPrepared {
  uint8_t ax[32], ay[32];  // A, canonical affine coordinates
  uint8_t k[32];           // challenge
  const uint8_t* s;        // signature + 32
  const uint8_t* r;        // signature
};
vigil_error strict_prepare(const VerifyItem& item, StrictPrepared& out);
// strict_prepare up to A's decoding: every check before it, in order, and
// k; out.ax and out.ay are left to the caller, which decodes the key itself
// (POINT_DECODE where that fails). Batches decode a group of keys at once.
vigil_error strict_prepare_undecoded(const VerifyItem& item, StrictPrepared& out);

struct Zip215Prepared {
  Fe ax, ay, rx, ry;  // A and R, affine, decoded per ZIP 215
  Sc k, s;
  const uint8_t* a_bytes;  // the key as received (batches merge equal keys)
};
vigil_error zip215_prepare(const VerifyItem& item, Zip215Prepared& out);
// zip215_prepare up to the decoding of A and R (the S check, k, a_bytes);
// batches decode many points at once and then report POINT_DECODE where
// either fails, as zip215_prepare would.
vigil_error zip215_prepare_undecoded(const VerifyItem& item, Zip215Prepared& out);
// zip215_prepare_undecoded without k: batches hash the challenges together
// (sha512_batch3 of R || A || M, reduced mod L) and set k themselves.
vigil_error zip215_prepare_unhashed(const VerifyItem& item, Zip215Prepared& out);
// [8]([s]B - [k]A - R) == identity.
bool zip215_equation(const Zip215Prepared& p);

}  // namespace vigil::crypto
