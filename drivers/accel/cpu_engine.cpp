#include "drivers/accel/cpu_engine.hpp"

#include <bit>
#include <vector>

#if !VIGIL_ACCEL_CRYPTO_ENGINE
// Until host/crypto's engine is in this tree, the kernel source compiled for
// the host (vendor.h's host branch) is the CPU engine.
#include "kernels/vigil_kernels.cl"
#endif

namespace vigil::accel {

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

std::string cpu_engine_label(crypto::Engine e) {
#if VIGIL_ACCEL_CRYPTO_ENGINE
  return std::string(
      crypto::engine_name(e == crypto::Engine::automatic ? crypto::best_engine() : e));
#else
  (void)e;
  return "portable kernel source";
#endif
}

void cpu_verify(const BatchBuffer& batch, crypto::Engine engine, Completion& out) {
  const uint32_t n = batch.count();
  reset_completion(out, n, VIGIL_OK);
#if VIGIL_ACCEL_CRYPTO_ENGINE
  std::vector<crypto::VerifyItem> items;
  items.reserve(n);
  for (uint32_t i = 0; i < n; ++i) items.push_back(batch.item(i));
  crypto::verify_batch(items, batch.rules(), out.verdict, out.errors, engine);
#else
  (void)engine;
  for (uint32_t i = 0; i < n; ++i)
    vk_verify_batch_item(batch.bytes().data(), out.verdict.data(), out.errors.data(), i);
#endif
  count_valid(out);
}

}  // namespace vigil::accel
