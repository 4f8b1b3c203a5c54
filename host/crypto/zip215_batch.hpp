// ZIP 215 batch verification: with random 128-bit z_i, checks
//   [8]( sum z_i R_i + sum (z_i k_i) A_i - (sum z_i S_i) B ) == identity
// by one multi-scalar multiplication per sub-batch of at most 1024 items,
// terms with equal keys merged. When the batch equation fails, every item is
// checked on its own (on the hashes and points already decoded), so every
// verdict equals zip215 single verification, and the thread's next few
// batches skip the equation; so a batch with any mix of bad items costs at
// most about verify() on each item: measured 0.96-1.07x on portable,
// 0.55-0.59x on avx2, 0.16-0.17x on avx512ifma (zip215_batch.cpp).
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

// Forgets this thread's recent failed batch equations, so that its next
// batch tries the equation again (tests: every batch takes the MSM path).
void zip215_forget_failures();

}  // namespace vigil::crypto
