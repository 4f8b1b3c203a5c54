// Verification through an Accelerator with crypto::verify_batch's contract,
// for callers that hold VerifyItems rather than batches (the `vigil verify`
// tool, tests): items are packed into one reused BatchBuffer, as many per
// batch as the engine takes, and verdicts land at the items' positions. An
// item whose message alone exceeds the engine's limit is verified by the
// CPU engine, so every item gets a verdict.
#pragma once

#include <span>

#include "drivers/accel/accelerator.hpp"

namespace vigil::accel {

class ItemVerifier {
 public:
  explicit ItemVerifier(Accelerator& acc);

  // Sets bit i of verdict_words (VIGIL_VERDICT_WORDS(n) words) when items[i]
  // is valid, clears it otherwise; errors, when not empty, gets one
  // vigil_error per item. Returns the number of device faults met (their
  // batches were re-verified on the CPU).
  uint32_t verify(std::span<const crypto::VerifyItem> items, crypto::Rules rules,
                  std::span<uint32_t> verdict_words, std::span<uint8_t> errors = {});

 private:
  Accelerator& acc_;
  BatchBuffer batch_;
  Completion done_;
  std::vector<size_t> where_;  // item index of each batch slot
};

}  // namespace vigil::accel
