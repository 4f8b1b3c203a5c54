// Variable-time multi-scalar multiplication, sum scalars[i] * points[i], by
// Pippenger's bucket method with signed digits (2^(c-1) buckets per window).
// Public inputs only: batch verification's points and (random-weighted)
// scalars. Points are affine, so every bucket addition is a mixed one.
#pragma once

#include <span>
#include <vector>

#include "host/crypto/ed25519.hpp"
#include "host/crypto/ge.hpp"
#include "host/crypto/sc.hpp"

namespace vigil::crypto {

struct MsmPoint {
  GeNiels niels;  // the addend form
  GeP3 p3;        // the same point, Z = 1 (fills an empty bucket for free)
};

VIGIL_INLINE MsmPoint msm_point_from_affine(const Fe& x, const Fe& y) {
  const Fe xy = fe_mul(x, y);
  return MsmPoint{GeNiels{fe_add(y, x), fe_sub(y, x), fe_mul(xy, kFeD2)}, GeP3{x, y, fe_one(), xy}};
}

// Scratch memory that grows to the largest batch seen, then is reused: no
// allocation in steady state.
struct MsmWorkspace {
  std::vector<int16_t> digits;  // Pippenger: [window][term]
  std::vector<GeP3> buckets;
  std::vector<uint8_t> filled;
  std::vector<int8_t> naf;    // Straus: [term][256]
  std::vector<GeCached> odd;  // Straus: 8 odd multiples per term
  std::vector<MsmPoint> points;
  std::vector<uint8_t> scalar_bytes;  // SIMD lanes: 32 per term
};

// Below this many terms Straus (interleaved width-NAF, one doubling chain)
// beats Pippenger; measured with `vigil bench verify --rules zip215 --batch N`.
inline constexpr size_t kStrausBelow = 90;

// Window width (bits) for Pippenger with n terms: the measured best of its
// cost n * 254 / c + 2^c * 254 / c.
int msm_window_bits(size_t n);

// b_scalar * B + sum scalars[i] * points[i]; scalars < 2^253 (reduced mod L).
// Straus below kStrausBelow terms, Pippenger from there.
GeP3 msm_vartime(std::span<const MsmPoint> points, std::span<const Sc> scalars, const Sc& b_scalar,
                 MsmWorkspace& ws);
GeP3 msm_straus_vartime(std::span<const MsmPoint> points, std::span<const Sc> scalars,
                        const Sc& b_scalar, MsmWorkspace& ws);
GeP3 msm_pippenger_vartime(std::span<const MsmPoint> points, std::span<const Sc> scalars,
                           const Sc& b_scalar, MsmWorkspace& ws);

// True when [8](b_scalar * B + sum scalars[i] * (x[i], y[i])) is the
// identity: the batch equation's last step. (x[i], y[i]) are affine points
// of the curve; scalars[i] < 2^128 for i >= n_long (the batch weights of R).
// `engine` (supported, not automatic) picks the algorithm: lane-parallel
// Straus (simd/edwards_simd.hpp) on avx512ifma, msm_vartime elsewhere
// (msm.cpp has the measurements).
bool msm_cofactor_is_identity(Engine engine, std::span<const Fe> x, std::span<const Fe> y,
                              std::span<const Sc> scalars, size_t n_long, const Sc& b_scalar,
                              MsmWorkspace& ws);

}  // namespace vigil::crypto
