#include "drivers/accel/item_verifier.hpp"

#include <algorithm>

namespace vigil::accel {

ItemVerifier::ItemVerifier(Accelerator& acc)
    : acc_(acc), batch_(acc.capabilities().max_batch, acc.capabilities().max_msg_bytes) {}

uint32_t ItemVerifier::verify(std::span<const crypto::VerifyItem> items, crypto::Rules rules,
                              std::span<uint32_t> verdict_words, std::span<uint8_t> errors) {
  std::fill(verdict_words.begin(), verdict_words.begin() + VIGIL_VERDICT_WORDS(items.size()), 0u);
  uint32_t faults = 0;
  std::vector<size_t> where;  // item index of each batch slot
  where.reserve(batch_.max_items());
  size_t i = 0;
  while (i < items.size()) {
    batch_.clear(rules);
    where.clear();
    for (; i < items.size(); ++i) {
      if (items[i].message.size() > acc_.capabilities().max_msg_bytes) {
        // Too big for any batch: the CPU engine takes it alone.
        const vigil_error e = crypto::verify(items[i], rules);
        if (e == VIGIL_OK) verdict_words[i / 32] |= 1u << (i % 32);
        if (!errors.empty()) errors[i] = static_cast<uint8_t>(e);
        continue;
      }
      if (!batch_.add(items[i])) break;
      where.push_back(i);
    }
    if (where.empty()) continue;
    batch_.seal();
    Completion c = acc_.submit(batch_).get();
    faults += c.summary.faults;
    for (uint32_t k = 0; k < where.size(); ++k) {
      const size_t at = where[k];
      if (c.valid(k)) verdict_words[at / 32] |= 1u << (at % 32);
      if (!errors.empty()) errors[at] = c.errors[k];
    }
  }
  return faults;
}

}  // namespace vigil::accel
