// [s]B - [k]A by interleaved width-NAF (Straus): one doubling chain, A's
// odd multiples (width 5, 8 points) built per call, B's (width 8, 128
// points) precomputed, so the B half costs about 253/9 additions.
#include "host/crypto/double_scalarmult.hpp"

#include "host/crypto/ed25519_rules.hpp"

#if defined(__x86_64__)
#include "host/crypto/simd/double_scalarmult_simd.hpp"
#endif

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

namespace {

#if defined(__x86_64__)
// A SIMD call costs the same with any number of lanes filled, so a group of
// fewer than kMinLanes items goes the portable way. Measured per CPU-second
// on Sapphire Rapids (simd_bench, portable with BMI2): an 8-lane IFMA
// [s]B - [k]A call costs about 2.2 portable items, a 4-lane AVX2 call about
// 3.5; a decode call (one exponentiation for all lanes) 1.3 to 1.7 portable
// decodes.
template <DsmEncodeLanesFn kSimd, size_t kLanes, size_t kMinLanes>
void dsm_lanes_or_portable(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* k,
                           const uint8_t* s, uint8_t* out) {
  const size_t tail = n % kLanes;
  const size_t simd_n = tail >= kMinLanes ? n : n - tail;
  if (simd_n > 0) kSimd(simd_n, ax, ay, k, s, out);
  const size_t o = 32 * simd_n;
  double_scalarmult_encode_lanes(n - simd_n, ax + o, ay + o, k + o, s + o, out + o);
}

// The zip215 equation is [s]B - [k]A plus a few steps: the same cost and
// the same thresholds as the strict lanes above.
template <Zip215LanesFn kSimd, size_t kLanes, size_t kMinLanes>
void zip215_lanes_or_portable(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* rx,
                              const uint8_t* ry, const uint8_t* k, const uint8_t* s, uint8_t* ok) {
  const size_t tail = n % kLanes;
  const size_t simd_n = tail >= kMinLanes ? n : n - tail;
  if (simd_n > 0) kSimd(simd_n, ax, ay, rx, ry, k, s, ok);
  const size_t o = 32 * simd_n;
  zip215_equation_lanes(n - simd_n, ax + o, ay + o, rx + o, ry + o, k + o, s + o, ok + simd_n);
}

template <DecodeLanesFn kSimd, size_t kLanes, size_t kMinLanes>
void decode_lanes_or_portable(size_t n, const uint8_t* enc, uint8_t* x, uint8_t* y, uint8_t* ok) {
  const size_t tail = n % kLanes;
  const size_t simd_n = tail >= kMinLanes ? n : n - tail;
  if (simd_n > 0) kSimd(simd_n, enc, x, y, ok);
  const size_t o = 32 * simd_n;
  decode_affine_lanes(n - simd_n, enc + o, x + o, y + o, ok + simd_n);
}
#endif

}  // namespace

void decode_affine_lanes(size_t n, const uint8_t* enc, uint8_t* x, uint8_t* y, uint8_t* ok) {
  for (size_t i = 0; i < n; ++i) {
    Fe fx, fy;
    ok[i] = ge_decode_affine(fx, fy, enc + 32 * i) ? 1 : 0;
    if (ok[i]) {
      fe_tobytes(x + 32 * i, fx);
      fe_tobytes(y + 32 * i, fy);
    }
  }
}

void zip215_equation_lanes(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* rx,
                           const uint8_t* ry, const uint8_t* k, const uint8_t* s, uint8_t* ok) {
  for (size_t i = 0; i < n; ++i) {
    const size_t o = 32 * i;
    Zip215Prepared p;
    p.ax = fe_frombytes(ax + o);
    p.ay = fe_frombytes(ay + o);
    p.rx = fe_frombytes(rx + o);
    p.ry = fe_frombytes(ry + o);
    p.k = sc_load(k + o);
    p.s = sc_load(s + o);
    ok[i] = zip215_equation(p) ? 1 : 0;
  }
}

Zip215LanesFn zip215_lanes_for(Engine engine) {
#if defined(__x86_64__)
  if (engine == Engine::avx512ifma && simd::ifma_supported())
    return zip215_lanes_or_portable<simd::zip215_equation_lanes_ifma, 8, 3>;
  if (engine == Engine::avx2 && simd::avx2_supported())
    return zip215_lanes_or_portable<simd::zip215_equation_lanes_avx2, 4, 4>;
#endif
  (void)engine;
  return zip215_equation_lanes;
}

DecodeLanesFn decode_lanes_for(Engine engine) {
#if defined(__x86_64__)
  if (engine == Engine::avx512ifma && simd::ifma_supported())
    return decode_lanes_or_portable<simd::decode_lanes_ifma, 8, 2>;
  if (engine == Engine::avx2 && simd::avx2_supported())
    return decode_lanes_or_portable<simd::decode_lanes_avx2, 4, 2>;
#endif
  (void)engine;
  return decode_affine_lanes;
}

DsmEncodeLanesFn dsm_encode_lanes_for(Engine engine) {
#if defined(__x86_64__)
  if (engine == Engine::avx512ifma && simd::ifma_supported())
    return dsm_lanes_or_portable<simd::dsm_encode_lanes_ifma, 8, 3>;
  if (engine == Engine::avx2 && simd::avx2_supported())
    return dsm_lanes_or_portable<simd::dsm_encode_lanes_avx2, 4, 4>;
#endif
  (void)engine;
  return double_scalarmult_encode_lanes;
}

}  // namespace vigil::crypto
