#include "drivers/accel/cpu_engine.hpp"

#include <bit>
#include <vector>

namespace vigil::accel {

std::string cpu_engine_label(crypto::Engine e) {
  return std::string(
      crypto::engine_name(e == crypto::Engine::automatic ? crypto::best_engine() : e));
}

void reset_completion(Completion& out, uint32_t count, vigil_error status) {
  out.summary = {};
  out.summary.count = count;
  out.summary.status = status;
  out.verdict.assign(VIGIL_VERDICT_WORDS(count), 0);
  out.errors.assign(count,
                    static_cast<uint8_t>(status == VIGIL_OK ? VIGIL_ERR_SIG_INVALID : status));
}

void count_valid(Completion& out) {
  uint32_t valid = 0;
  for (uint32_t w : out.verdict) valid += static_cast<uint32_t>(std::popcount(w));
  out.summary.valid = valid;
}

void cpu_verify(const BatchView& batch, crypto::Engine engine, Completion& out) {
  const uint32_t n = batch.count();
  reset_completion(out, n, VIGIL_OK);
  std::vector<crypto::VerifyItem> items;
  items.reserve(n);
  bool all_ok = true;
  for (uint32_t i = 0; i < n && all_ok; ++i) all_ok = batch.item_ok(i);
  if (all_ok) {
    for (uint32_t i = 0; i < n; ++i) items.push_back(batch.item(i));
    crypto::verify_batch(items, batch.rules(), out.verdict, out.errors, engine);
  } else {
    // Some offsets are malformed: those items get MALFORMED, as a device
    // gives them; the others are verified together.
    std::vector<uint32_t> where;
    for (uint32_t i = 0; i < n; ++i) {
      if (batch.item_ok(i)) {
        where.push_back(i);
        items.push_back(batch.item(i));
      } else {
        out.errors[i] = VIGIL_ERR_MALFORMED;
      }
    }
    std::vector<uint32_t> words(VIGIL_VERDICT_WORDS(items.size()));
    std::vector<uint8_t> errors(items.size());
    crypto::verify_batch(items, batch.rules(), words, errors, engine);
    for (size_t k = 0; k < where.size(); ++k) {
      out.errors[where[k]] = errors[k];
      if ((words[k / 32] >> (k % 32)) & 1u) out.verdict[where[k] / 32] |= 1u << (where[k] % 32);
    }
  }
  count_valid(out);
}

}  // namespace vigil::accel
