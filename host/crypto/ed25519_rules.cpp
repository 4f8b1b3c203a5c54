// Item checks of the two rule sets (see ed25519_rules.hpp).
#include "host/crypto/ed25519_rules.hpp"

#include <cstring>

#include "host/crypto/double_scalarmult.hpp"
#include "host/crypto/sha2.hpp"

namespace vigil::crypto {
namespace {

// y encodings (bit 255 clear) of the points of order 1, 2, 4 and 8, with
// the non-canonical aliases p and p+1 of 0 and 1; as in libsodium.
constexpr uint8_t kSmallOrderY[7][32] = {
    {0},  // y = 0: order 4
    {1},  // y = 1: the identity
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

}  // namespace

bool ed25519_y_is_canonical(const uint8_t s[32]) {
  if ((s[31] & 0x7f) != 0x7f) return true;
  for (int i = 30; i > 0; --i) {
    if (s[i] != 0xff) return true;
  }
  return s[0] < 0xed;
}

bool ed25519_has_small_order(const uint8_t s[32]) {
  for (const auto& y : kSmallOrderY) {
    uint8_t diff = static_cast<uint8_t>((s[31] & 0x7f) ^ y[31]);
    for (int i = 0; i < 31; ++i) diff |= static_cast<uint8_t>(s[i] ^ y[i]);
    if (diff == 0) return true;
  }
  return false;
}

void ed25519_expand_seed(const Seed& seed, uint8_t scalar[32], uint8_t prefix[32]) {
  const Hash512 h = sha512(seed);
  std::memcpy(scalar, h.data(), 32);
  std::memcpy(prefix, h.data() + 32, 32);
  scalar[0] &= 248;
  scalar[31] &= 127;
  scalar[31] |= 64;
}

Sc ed25519_challenge(const uint8_t r[32], const uint8_t a[32], std::span<const uint8_t> message) {
  Sha512 h;
  h.update({r, 32});
  h.update({a, 32});
  h.update(message);
  const Hash512 digest = h.finish();
  return sc_reduce512(digest.data());
}

vigil_error strict_prepare_undecoded(const VerifyItem& item, StrictPrepared& out) {
  const uint8_t* sig = item.signature;
  if (!sc_is_canonical(sig + 32)) return VIGIL_ERR_S_NONCANONICAL;
  if (ed25519_has_small_order(sig)) return VIGIL_ERR_SMALL_ORDER;
  if (!ed25519_y_is_canonical(item.public_key)) return VIGIL_ERR_POINT_NONCANONICAL;
  if (ed25519_has_small_order(item.public_key)) return VIGIL_ERR_SMALL_ORDER;
  sc_store(out.k, ed25519_challenge(sig, item.public_key, item.message));
  out.s = sig + 32;
  out.r = sig;
  return VIGIL_OK;
}

vigil_error strict_prepare(const VerifyItem& item, StrictPrepared& out) {
  const vigil_error e = strict_prepare_undecoded(item, out);
  if (e != VIGIL_OK) return e;
  Fe x, y;
  if (!ge_decode_affine(x, y, item.public_key)) return VIGIL_ERR_POINT_DECODE;
  // x = 0 with the sign bit set (the "negative zero") would be rejected
  // here, but only y = 1 and y = -1 have x = 0 and the blacklist has both.
  fe_tobytes(out.ax, x);
  fe_tobytes(out.ay, y);
  return VIGIL_OK;
}

vigil_error zip215_prepare_unhashed(const VerifyItem& item, Zip215Prepared& out) {
  const uint8_t* sig = item.signature;
  if (!sc_is_canonical(sig + 32)) return VIGIL_ERR_S_NONCANONICAL;
  out.s = sc_load(sig + 32);
  out.a_bytes = item.public_key;
  return VIGIL_OK;
}

vigil_error zip215_prepare_undecoded(const VerifyItem& item, Zip215Prepared& out) {
  const vigil_error e = zip215_prepare_unhashed(item, out);
  if (e != VIGIL_OK) return e;
  out.k = ed25519_challenge(item.signature, item.public_key, item.message);
  return VIGIL_OK;
}

vigil_error zip215_prepare(const VerifyItem& item, Zip215Prepared& out) {
  const vigil_error e = zip215_prepare_undecoded(item, out);
  if (e != VIGIL_OK) return e;
  if (!ge_decode_affine(out.ax, out.ay, item.public_key)) return VIGIL_ERR_POINT_DECODE;
  if (!ge_decode_affine(out.rx, out.ry, item.signature)) return VIGIL_ERR_POINT_DECODE;
  return VIGIL_OK;
}

bool zip215_equation(const Zip215Prepared& p) {
  uint8_t k[32], s[32];
  sc_store(k, p.k);
  sc_store(s, p.s);
  const GeP1P1 sb_ka = double_scalarmult_vartime(ge_from_affine(p.ax, p.ay), k, s);
  const GeNiels r = ge_niels_from_affine(p.rx, p.ry);
  GeP1P1 t = ge_madd(ge_p1p1_to_p3(sb_ka), r, true);
  for (int i = 0; i < 3; ++i) t = ge_dbl(ge_p1p1_to_p2(t));
  return ge_is_identity(ge_p1p1_to_p3(t));
}

}  // namespace vigil::crypto
