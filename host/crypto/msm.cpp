// Pippenger's bucket method (see msm.hpp). For each c-bit window, from the
// top: every term's signed digit d adds its point to bucket |d| (subtracts
// for d < 0); then sum_b b * bucket[b] by a running sum, and the window
// result joins the accumulator after c doublings.
#include "host/crypto/msm.hpp"

#include <cstring>

#if defined(__x86_64__)
#include "host/crypto/simd/double_scalarmult_simd.hpp"
#endif

namespace vigil::crypto {
namespace {

// Signed radix-2^c digits in [-2^(c-1), 2^(c-1)]: ceil(254 / c) of them
// cover a scalar < 2^253 with no carry left over.
void recode(int16_t* out, size_t stride, const Sc& s, int c, int windows) {
  const uint64_t mask = (uint64_t{1} << c) - 1;
  const int64_t half = int64_t{1} << (c - 1);
  int64_t carry = 0;
  for (int w = 0; w < windows; ++w) {
    const int bit = w * c;
    const int word = bit / 64, shift = bit % 64;
    uint64_t buf = word < 4 ? s.v[word] >> shift : 0;
    if (shift + c > 64 && word + 1 < 4) buf |= s.v[word + 1] << (64 - shift);
    int64_t d = static_cast<int64_t>(buf & mask) + carry;
    carry = d > half ? 1 : 0;
    d -= carry << c;
    out[static_cast<size_t>(w) * stride] = static_cast<int16_t>(d);
  }
}

}  // namespace

int msm_window_bits(size_t n) {
  if (n < 12) return 3;
  if (n < 40) return 4;
  if (n < 110) return 5;
  if (n < 300) return 6;
  if (n < 800) return 7;
  if (n < 2000) return 8;
  if (n < 5000) return 9;
  return 10;
}

// Pippenger over the points plus B (appended as the last term).
VIGIL_HOT GeP3 msm_pippenger_vartime(std::span<const MsmPoint> in_points,
                                     std::span<const Sc> in_scalars, const Sc& b_scalar,
                                     MsmWorkspace& ws) {
  static const MsmPoint base = [] {
    const GeP3& b = ge_base();
    const Fe zi = fe_invert(b.Z);
    return msm_point_from_affine(fe_mul(b.X, zi), fe_mul(b.Y, zi));
  }();
  const size_t n = in_points.size() + 1;
  auto point = [&](size_t i) -> const MsmPoint& { return i + 1 < n ? in_points[i] : base; };
  auto scalar = [&](size_t i) -> const Sc& { return i + 1 < n ? in_scalars[i] : b_scalar; };
  const int c = msm_window_bits(n);
  const int windows = (254 + c - 1) / c;
  const size_t nbuckets = size_t{1} << (c - 1);
  ws.digits.resize(n * static_cast<size_t>(windows));
  ws.buckets.resize(nbuckets + 1);
  ws.filled.resize(nbuckets + 1);
  for (size_t i = 0; i < n; ++i) recode(&ws.digits[i], n, scalar(i), c, windows);

  GeP3 acc = ge_identity();
  bool acc_is_identity = true;
  for (int w = windows - 1; w >= 0; --w) {
    if (!acc_is_identity) {
      GeP2 t = ge_p3_to_p2(acc);
      for (int i = 0; i < c - 1; ++i) t = ge_p1p1_to_p2(ge_dbl(t));
      acc = ge_p1p1_to_p3(ge_dbl(t));
    }
    std::fill(ws.filled.begin(), ws.filled.end(), 0);
    const int16_t* d = &ws.digits[static_cast<size_t>(w) * n];
    for (size_t i = 0; i < n; ++i) {
      if (d[i] == 0) continue;
      const size_t b = static_cast<size_t>(d[i] > 0 ? d[i] : -d[i]);
      if (!ws.filled[b]) {
        ws.buckets[b] = d[i] > 0 ? point(i).p3 : ge_neg(point(i).p3);
        ws.filled[b] = 1;
      } else {
        ws.buckets[b] = ge_p1p1_to_p3(ge_madd(ws.buckets[b], point(i).niels, d[i] < 0));
      }
    }
    // sum_b b * bucket[b] = sum over b of (bucket[top] + ... + bucket[b]).
    GeP3 running{}, sum{};
    bool running_set = false, sum_set = false;
    for (size_t b = nbuckets; b >= 1; --b) {
      if (ws.filled[b]) {
        running = running_set ? ge_add3(running, ws.buckets[b]) : ws.buckets[b];
        running_set = true;
      }
      if (running_set) {
        sum = sum_set ? ge_add3(sum, running) : running;
        sum_set = true;
      }
    }
    if (sum_set) {
      acc = acc_is_identity ? sum : ge_add3(acc, sum);
      acc_is_identity = false;
    }
  }
  return acc;
}

VIGIL_HOT GeP3 msm_straus_vartime(std::span<const MsmPoint> points, std::span<const Sc> scalars,
                                  const Sc& b_scalar, MsmWorkspace& ws) {
  const size_t n = points.size();
  ws.naf.resize((n + 1) * 256);
  ws.odd.resize(n * 8);
  int top = -1;
  for (size_t i = 0; i < n; ++i) {
    // Short scalars (the 128-bit weights of R) use width 4: a smaller table
    // pays off when there are few additions to share it.
    const bool short_scalar = (scalars[i].v[2] | scalars[i].v[3]) == 0;
    const int w = short_scalar ? 4 : 5;
    uint8_t bytes[32];
    sc_store(bytes, scalars[i]);
    int8_t* naf = &ws.naf[i * 256];
    ge_wnaf(naf, bytes, w);
    GeCached* odd = &ws.odd[i * 8];
    odd[0] = ge_p3_to_cached(points[i].p3);
    const int count = 1 << (w - 2);
    if (count > 1) {
      const GeP3 p2 = ge_dbl3(points[i].p3);
      for (int j = 1; j < count; ++j)
        odd[j] = ge_p3_to_cached(ge_p1p1_to_p3(ge_add(p2, odd[j - 1])));
    }
    for (int k = 255; k > top; --k) {
      if (naf[k] != 0) {
        top = k;
        break;
      }
    }
  }
  uint8_t bbytes[32];
  sc_store(bbytes, b_scalar);
  int8_t* bnaf = &ws.naf[n * 256];
  ge_wnaf(bnaf, bbytes, 8);
  for (int k = 255; k > top; --k) {
    if (bnaf[k] != 0) {
      top = k;
      break;
    }
  }
  const GeNiels* bt = ge_base_odd_multiples();

  GeP2 r{fe_zero(), fe_one(), fe_one()};
  GeP1P1 t{fe_zero(), fe_one(), fe_one(), fe_one()};  // the identity
  for (int k = top; k >= 0; --k) {
    t = ge_dbl(r);
    const int8_t bd = bnaf[k];
    if (bd != 0) t = ge_madd(ge_p1p1_to_p3(t), bt[(bd > 0 ? bd : -bd) / 2], bd < 0);
    for (size_t i = 0; i < n; ++i) {
      const int8_t d = ws.naf[i * 256 + static_cast<size_t>(k)];
      if (d != 0) t = ge_add(ge_p1p1_to_p3(t), ws.odd[i * 8 + (d > 0 ? d : -d) / 2], d < 0);
    }
    r = ge_p1p1_to_p2(t);
  }
  return ge_p1p1_to_p3(t);
}

GeP3 msm_vartime(std::span<const MsmPoint> points, std::span<const Sc> scalars, const Sc& b_scalar,
                 MsmWorkspace& ws) {
  if (points.size() < kStrausBelow) return msm_straus_vartime(points, scalars, b_scalar, ws);
  return msm_pippenger_vartime(points, scalars, b_scalar, ws);
}

namespace {

#if defined(__x86_64__)
using MsmLanesFn = void (*)(size_t, size_t, const uint64_t (*)[5], const uint64_t (*)[5],
                            const uint8_t (*)[32], const uint8_t*, uint8_t (*)[4][32]);

bool lanes_cofactor_is_identity(MsmLanesFn fn, size_t lanes, std::span<const Fe> x,
                                std::span<const Fe> y, std::span<const Sc> scalars, size_t n_long,
                                const Sc& b_scalar, MsmWorkspace& ws) {
  const size_t n = x.size();
  ws.scalar_bytes.resize(32 * n);
  for (size_t i = 0; i < n; ++i) sc_store(&ws.scalar_bytes[32 * i], scalars[i]);
  uint8_t out[8][4][32];
  static_assert(sizeof(Fe) == 5 * sizeof(uint64_t));
  // b B on the fixed-base tables rather than as one more lane term: the B
  // term made every batch one term longer than its A and R terms, so a
  // batch of 256 (512 terms) ran a third doubling chain for one term and a
  // second full-length one for a chunk of mostly short R terms.
  fn(n, n_long, reinterpret_cast<const uint64_t(*)[5]>(x.data()),
     reinterpret_cast<const uint64_t(*)[5]>(y.data()),
     reinterpret_cast<const uint8_t(*)[32]>(ws.scalar_bytes.data()), nullptr, out);
  uint8_t b[32];
  sc_store(b, b_scalar);
  GeP3 sum = ge_scalarmult_base(b);
  for (size_t i = 0; i < lanes; ++i) {
    const GeP3 p{fe_frombytes(out[i][0]), fe_frombytes(out[i][1]), fe_frombytes(out[i][2]),
                 fe_frombytes(out[i][3])};
    sum = ge_add3(sum, p);
  }
  for (int i = 0; i < 3; ++i) sum = ge_dbl3(sum);
  return ge_is_identity(sum);
}
#endif

}  // namespace

bool msm_cofactor_is_identity(Engine engine, std::span<const Fe> x, std::span<const Fe> y,
                              std::span<const Sc> scalars, size_t n_long, const Sc& b_scalar,
                              MsmWorkspace& ws) {
#if defined(__x86_64__)
  // IFMA's lanes beat the portable MSM (Straus below kStrausBelow terms,
  // Pippenger above) at every batch size measured, per CPU-second with
  // `vigil bench verify --engine avx512ifma --rules zip215 --batch N`
  // (2026-12-01, AMD EPYC, loaded machine): 1.35x at 2 items, 2.4x at 64,
  // 1.8x at 1024, 2.1x at 4096. AVX2's 4 lanes of radix 2^25.5 lost to the
  // portable (BMI2) MSM at every size (0.66x at 4 items, 0.78x at 256,
  // 0.69x at 1024), so avx2 keeps the portable MSM.
  if (engine == Engine::avx512ifma && simd::ifma_supported())
    return lanes_cofactor_is_identity(simd::msm_lanes_ifma, 8, x, y, scalars, n_long, b_scalar, ws);
#endif
  (void)engine;
  (void)n_long;
  ws.points.resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) ws.points[i] = msm_point_from_affine(x[i], y[i]);
  GeP3 sum = msm_vartime(ws.points, scalars, b_scalar, ws);
  for (int i = 0; i < 3; ++i) sum = ge_dbl3(sum);
  return ge_is_identity(sum);
}

}  // namespace vigil::crypto
