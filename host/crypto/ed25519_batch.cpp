// verify_batch: strict items go through the engine's lanes function up to
// kDsmMaxLanes at a time; zip215 items are checked together by one
// multi-scalar multiplication (zip215_batch.cpp).
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "host/crypto/double_scalarmult.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/crypto/ed25519_rules.hpp"
#include "host/crypto/zip215_batch.hpp"

namespace vigil::crypto {
namespace {

void set_verdict(std::span<uint32_t> words, std::span<uint8_t> errors, size_t i, vigil_error e) {
  const uint32_t bit = uint32_t{1} << (i % 32);
  if (e == VIGIL_OK) {
    words[i / 32] |= bit;
  } else {
    words[i / 32] &= ~bit;
  }
  if (!errors.empty()) errors[i] = static_cast<uint8_t>(e);
}

void strict_batch(std::span<const VerifyItem> items, std::span<uint32_t> words,
                  std::span<uint8_t> errors, Engine engine) {
  // Up to kDsmMaxLanes items that passed every check before A's decoding
  // wait here; a flush decodes their keys together, drops the ones that do
  // not decode (POINT_DECODE, as strict_prepare would say) and runs the
  // rest through the lanes function.
  const DsmEncodeLanesFn lanes = dsm_encode_lanes_for(engine);
  const DecodeLanesFn decode = decode_lanes_for(engine);
  uint8_t a[kDsmMaxLanes][32], ax[kDsmMaxLanes][32], ay[kDsmMaxLanes][32];
  uint8_t k[kDsmMaxLanes][32], s[kDsmMaxLanes][32], out[kDsmMaxLanes][32];
  uint8_t decoded[kDsmMaxLanes];
  const uint8_t* r[kDsmMaxLanes];
  size_t index[kDsmMaxLanes];
  size_t n = 0;
  auto flush = [&] {
    decode(n, a[0], ax[0], ay[0], decoded);
    size_t m = 0;
    for (size_t j = 0; j < n; ++j) {
      if (!decoded[j]) {
        set_verdict(words, errors, index[j], VIGIL_ERR_POINT_DECODE);
        continue;
      }
      if (m != j) {
        std::memcpy(ax[m], ax[j], 32);
        std::memcpy(ay[m], ay[j], 32);
        std::memcpy(k[m], k[j], 32);
        std::memcpy(s[m], s[j], 32);
        r[m] = r[j];
        index[m] = index[j];
      }
      ++m;
    }
    if (m > 0) lanes(m, ax[0], ay[0], k[0], s[0], out[0]);
    for (size_t j = 0; j < m; ++j) {
      const bool ok = std::memcmp(out[j], r[j], 32) == 0;
      set_verdict(words, errors, index[j], ok ? VIGIL_OK : VIGIL_ERR_SIG_INVALID);
    }
    n = 0;
  };
  for (size_t i = 0; i < items.size(); ++i) {
    StrictPrepared p;
    const vigil_error e = strict_prepare_undecoded(items[i], p);
    if (e != VIGIL_OK) {
      set_verdict(words, errors, i, e);
      continue;
    }
    std::memcpy(a[n], items[i].public_key, 32);
    std::memcpy(k[n], p.k, 32);
    std::memcpy(s[n], p.s, 32);
    r[n] = p.r;
    index[n++] = i;
    if (n == kDsmMaxLanes) flush();
  }
  if (n > 0) flush();
}

}  // namespace

void verify_batch(std::span<const VerifyItem> items, Rules rules, std::span<uint32_t> verdict_words,
                  std::span<uint8_t> errors, Engine engine) {
  // Too small an output is a caller's bug that would write out of bounds.
  if (verdict_words.size() < VIGIL_VERDICT_WORDS(items.size()) ||
      (!errors.empty() && errors.size() < items.size())) {
    std::fprintf(stderr, "vigil::crypto::verify_batch: output spans too small for %zu items\n",
                 items.size());
    std::abort();
  }
  if (engine == Engine::automatic) engine = best_engine();
  if (!engine_supported(engine)) {
    for (size_t i = 0; i < items.size(); ++i) {
      set_verdict(verdict_words, errors, i, VIGIL_ERR_UNSUPPORTED);
    }
    return;
  }
  if (rules == Rules::strict) {
    strict_batch(items, verdict_words, errors, engine);
    return;
  }
  if (rules == Rules::zip215) {
    zip215_verify_batch(items, engine,
                        [&](size_t i, vigil_error e) { set_verdict(verdict_words, errors, i, e); });
    return;
  }
  for (size_t i = 0; i < items.size(); ++i) {
    set_verdict(verdict_words, errors, i, VIGIL_ERR_BAD_RULES);
  }
}

}  // namespace vigil::crypto
