// ZIP 215 batch verification: with random 128-bit z_i, checks
//   [8]( sum z_i R_i + sum (z_i k_i) A_i - (sum z_i S_i) B ) == identity
// by one multi-scalar multiplication, terms with equal keys merged. When the
// batch equation fails, every item is checked on its own (on the hashes and
// points already decoded), so every verdict equals zip215 single
// verification and a batch with any mix of bad items costs one batch
// equation more than that: measured 1.19x verify() on each item on
// portable, 0.77x on avx2, 0.22x on avx512ifma (zip215_batch.cpp).
#pragma once

#include <functional>
#include <span>

#include "host/crypto/ed25519.hpp"

namespace vigil::crypto {

// Calls report(i, verdict) exactly once for every item. `engine` (supported,
// not automatic) runs the decoding, the MSM and the item-by-item fallback
// (SIMD lanes for avx512ifma and avx2).
void zip215_verify_batch(std::span<const VerifyItem> items, Engine engine,
                         const std::function<void(size_t, vigil_error)>& report);

}  // namespace vigil::crypto
