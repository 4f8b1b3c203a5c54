// The slow field operations: exponentiations (inversion, square root) and
// Montgomery's batch inversion.
#include "host/crypto/fe.hpp"

namespace vigil::crypto {
namespace {

// Returns z^(2^250 - 1) and sets z11 = z^11: the shared prefix of the
// addition chains for p-2 and (p-5)/8.
VIGIL_INLINE Fe pow_2_250_1(const Fe& z, Fe& z11) {
  Fe z2 = fe_sq(z);
  Fe z9 = fe_mul(fe_sq_n(z2, 2), z);
  z11 = fe_mul(z9, z2);
  Fe e5 = fe_mul(fe_sq(z11), z9);  // 2^5 - 1
  Fe e10 = fe_mul(fe_sq_n(e5, 5), e5);
  Fe e20 = fe_mul(fe_sq_n(e10, 10), e10);
  Fe e40 = fe_mul(fe_sq_n(e20, 20), e20);
  Fe e50 = fe_mul(fe_sq_n(e40, 10), e10);
  Fe e100 = fe_mul(fe_sq_n(e50, 50), e50);
  Fe e200 = fe_mul(fe_sq_n(e100, 100), e100);
  return fe_mul(fe_sq_n(e200, 50), e50);
}

}  // namespace

VIGIL_HOT Fe fe_invert(const Fe& f) {
  Fe z11;
  Fe e250 = pow_2_250_1(f, z11);
  return fe_mul(fe_sq_n(e250, 5), z11);  // 2^255 - 21 = p - 2
}

VIGIL_HOT Fe fe_pow22523(const Fe& f) {
  Fe z11;
  Fe e250 = pow_2_250_1(f, z11);
  return fe_mul(fe_sq_n(e250, 2), f);  // 2^252 - 3
}

bool fe_sqrt_ratio(Fe& x, const Fe& u, const Fe& v) {
  Fe v3 = fe_mul(fe_sq(v), v);
  Fe v7 = fe_mul(fe_sq(v3), v);
  Fe r = fe_mul(fe_mul(u, v3), fe_pow22523(fe_mul(u, v7)));
  Fe check = fe_mul(v, fe_sq(r));
  if (fe_equal(check, u)) {
    x = r;
    return true;
  }
  if (fe_is_zero(fe_add(check, u))) {
    x = fe_mul(r, kFeSqrtM1);
    return true;
  }
  return false;
}

VIGIL_HOT void fe_batch_invert(Fe* f, Fe* scratch, size_t n) {
  if (n == 0) return;
  Fe acc = fe_one();
  for (size_t i = 0; i < n; ++i) {
    scratch[i] = acc;  // product of f[0..i)
    acc = fe_mul(acc, f[i]);
  }
  acc = fe_invert(acc);
  for (size_t i = n; i-- > 0;) {
    Fe inv = fe_mul(acc, scratch[i]);
    acc = fe_mul(acc, f[i]);
    f[i] = inv;
  }
}

}  // namespace vigil::crypto
