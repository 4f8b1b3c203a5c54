// ZIP 215 batch verification: with random 128-bit z_i, checks
//   [8]( sum z_i R_i + sum (z_i k_i) A_i - (sum z_i S_i) B ) == identity
// by one multi-scalar multiplication, terms with equal keys merged. When the
// batch equation fails, halves are checked again (bisection) down to single
// verification, so every verdict equals zip215 single verification.
#pragma once

#include <functional>
#include <span>

#include "host/crypto/ed25519.hpp"

namespace vigil::crypto {

// Calls report(i, verdict) exactly once for every item. `engine` (supported,
// not automatic) decodes the keys and nonces, kDsmMaxLanes at a time (SIMD
// lanes for avx512ifma and avx2); the MSM is the portable one for all.
void zip215_verify_batch(std::span<const VerifyItem> items, Engine engine,
                         const std::function<void(size_t, vigil_error)>& report);

}  // namespace vigil::crypto
