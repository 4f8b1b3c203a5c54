// Point encoding and decoding (RFC 8032 section 5.1.2-5.1.3) and the base
// point.
#include "host/crypto/ge.hpp"

namespace vigil::crypto {

void ge_tobytes_zinv(uint8_t out[32], const GeP2& p, const Fe& zinv) {
  fe_tobytes(out, fe_mul(p.Y, zinv));
  out[31] ^= static_cast<uint8_t>(fe_is_negative(fe_mul(p.X, zinv)) << 7);
}

void ge_tobytes(uint8_t out[32], const GeP2& p) {
  ge_tobytes_zinv(out, p, fe_invert(p.Z));
}

bool ge_decode_affine(Fe& x, Fe& y, const uint8_t s[32]) {
  y = fe_frombytes(s);
  Fe yy = fe_sq(y);
  Fe u = fe_sub(yy, fe_one());                // y^2 - 1
  Fe v = fe_add(fe_mul(yy, kFeD), fe_one());  // d y^2 + 1
  if (!fe_sqrt_ratio(x, fe_carry(u), v)) return false;
  x = fe_carry(x);
  const bool want_negative = (s[31] >> 7) != 0;
  // x = 0 with the sign bit set decodes to x = 0 (-0 = 0), as ZIP 215 and
  // curve25519-dalek do.
  if (fe_is_negative(x) != want_negative) x = fe_carry(fe_neg(x));
  y = fe_carry(y);
  return true;
}

const GeP3& ge_base() {
  static const GeP3 base = [] {
    static const uint8_t enc[32] = {0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};
    Fe x, y;
    ge_decode_affine(x, y, enc);
    return ge_from_affine(x, y);
  }();
  return base;
}

}  // namespace vigil::crypto
