#include "drivers/accel/item_verifier.hpp"

#include <algorithm>

namespace vigil::accel {

ItemVerifier::ItemVerifier(Accelerator& acc)
    : acc_(acc), batch_(acc.capabilities().max_batch, acc.capabilities().max_msg_bytes) {
  where_.reserve(batch_.max_items());
}

uint32_t ItemVerifier::verify(std::span<const crypto::VerifyItem> items, crypto::Rules rules,
                              std::span<uint32_t> verdict_words, std::span<uint8_t> errors) {
  std::fill(verdict_words.begin(), verdict_words.begin() + VIGIL_VERDICT_WORDS(items.size()), 0u);
  uint32_t faults = 0;
  size_t i = 0;
  while (i < items.size()) {
    batch_.clear(rules);
    where_.clear();
    for (; i < items.size(); ++i) {
      if (items[i].message.size() > acc_.capabilities().max_msg_bytes) {
        // Too big for any batch: the CPU engine takes it alone.
        const vigil_error e = crypto::verify(items[i], rules);
        if (e == VIGIL_OK) verdict_words[i / 32] |= 1u << (i % 32);
        if (!errors.empty()) errors[i] = static_cast<uint8_t>(e);
        continue;
      }
      if (!batch_.add(items[i])) break;
      where_.push_back(i);
    }
    if (where_.empty()) continue;
    batch_.seal();
    acc_.submit(batch_, done_).get();
    faults += done_.summary.faults;
    for (uint32_t k = 0; k < where_.size(); ++k) {
      const size_t at = where_[k];
      if (done_.valid(k)) verdict_words[at / 32] |= 1u << (at % 32);
      if (!errors.empty()) errors[at] = done_.errors[k];
    }
  }
  return faults;
}

}  // namespace vigil::accel
