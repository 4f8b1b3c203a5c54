// [s]B - [k]A by interleaved width-NAF (Straus): one doubling chain, A's
// odd multiples (width 5, 8 points) built per call, B's (width 8, 128
// points) precomputed, so the B half costs about 253/9 additions.
#include "host/crypto/double_scalarmult.hpp"

namespace vigil::crypto {

VIGIL_HOT GeP1P1 double_scalarmult_vartime(const GeP3& a, const uint8_t k[32],
                                           const uint8_t s[32]) {
  int8_t knaf[256], snaf[256];
  ge_wnaf(knaf, k, 5);
  ge_wnaf(snaf, s, 8);
  const GeNiels* bt = ge_base_odd_multiples();

  GeCached at[8];  // A, 3A, ..., 15A
  at[0] = ge_p3_to_cached(a);
  const GeP3 a2 = ge_dbl3(a);
  GeP3 acc = a;
  for (int i = 1; i < 8; ++i) {
    acc = ge_p1p1_to_p3(ge_add(a2, at[i - 1]));
    at[i] = ge_p3_to_cached(acc);
  }

  int top = 255;
  while (top >= 0 && knaf[top] == 0 && snaf[top] == 0) --top;
  GeP2 r{fe_zero(), fe_one(), fe_one()};
  GeP1P1 t{fe_zero(), fe_one(), fe_one(), fe_one()};  // the identity
  for (int i = top; i >= 0; --i) {
    t = ge_dbl(r);
    if (snaf[i] > 0) {
      t = ge_madd(ge_p1p1_to_p3(t), bt[snaf[i] / 2]);
    } else if (snaf[i] < 0) {
      t = ge_madd(ge_p1p1_to_p3(t), bt[-snaf[i] / 2], true);
    }
    if (knaf[i] > 0) {  // subtract: the equation has -[k]A
      t = ge_add(ge_p1p1_to_p3(t), at[knaf[i] / 2], true);
    } else if (knaf[i] < 0) {
      t = ge_add(ge_p1p1_to_p3(t), at[-knaf[i] / 2]);
    }
    r = ge_p1p1_to_p2(t);
  }
  return t;
}

void double_scalarmult_encode(const uint8_t ax[32], const uint8_t ay[32], const uint8_t k[32],
                              const uint8_t s[32], uint8_t out[32]) {
  const Fe x = fe_frombytes(ax), y = fe_frombytes(ay);
  ge_tobytes(out, ge_p1p1_to_p2(double_scalarmult_vartime(ge_from_affine(x, y), k, s)));
}

// Lanes share one field inversion for their encodings (Montgomery's trick),
// which saves most of an inversion (about 7% of a verification) per lane.
void double_scalarmult_encode_lanes(size_t n, const uint8_t* ax, const uint8_t* ay,
                                    const uint8_t* k, const uint8_t* s, uint8_t* out) {
  for (size_t base = 0; base < n; base += kDsmMaxLanes) {
    const size_t m = n - base < kDsmMaxLanes ? n - base : kDsmMaxLanes;
    GeP2 r[kDsmMaxLanes];
    Fe zinv[kDsmMaxLanes], scratch[kDsmMaxLanes];
    for (size_t i = 0; i < m; ++i) {
      const size_t at = 32 * (base + i);
      const GeP3 a = ge_from_affine(fe_frombytes(ax + at), fe_frombytes(ay + at));
      r[i] = ge_p1p1_to_p2(double_scalarmult_vartime(a, k + at, s + at));
      zinv[i] = r[i].Z;  // never zero: the curve's addition law is complete
    }
    fe_batch_invert(zinv, scratch, m);
    for (size_t i = 0; i < m; ++i) ge_tobytes_zinv(out + 32 * (base + i), r[i], zinv[i]);
  }
}

DsmEncodeLanesFn dsm_encode_lanes_for(Engine engine) {
  switch (engine) {
    // The avx2 and avx512ifma lanes functions come from host/crypto/simd;
    // until they are linked in, every engine computes the portable way.
    case Engine::automatic:
    case Engine::portable:
    case Engine::avx2:
    case Engine::avx512ifma:
      break;
  }
  return double_scalarmult_encode_lanes;
}

}  // namespace vigil::crypto
