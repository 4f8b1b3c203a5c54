// Fuzz target for Ed25519 verification. Input: pk (32) || sig (64) || msg.
// Checks, on every input: strict equals libsodium's
// crypto_sign_verify_detached; a strict-valid item is zip215-valid; every
// engine this CPU has gives the same verdict; verify_batch of the item next
// to a valid one gives the single verdicts.
#include <sodium.h>

#include <cstdlib>
#include <cstring>

#include "host/crypto/ed25519.hpp"

using namespace vigil::crypto;

namespace {

struct Valid {
  Keypair key;
  Signature sig;
  uint8_t msg[3] = {1, 2, 3};
  Valid() {
    Seed seed{};
    seed[0] = 9;
    key = keypair_from_seed(seed);
    sig = sign(key, msg);
  }
};

void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool init = sodium_init() >= 0;
  static const Valid valid;
  check(init);
  if (size < 96) return 0;
  const VerifyItem item{data, data + 32, {data + 96, size - 96}};
  const bool sodium = crypto_sign_verify_detached(data + 32, data + 96, size - 96, data) == 0;
  const bool strict = verify(item, Rules::strict) == VIGIL_OK;
  const bool zip215 = verify(item, Rules::zip215) == VIGIL_OK;
  check(strict == sodium);
  check(!strict || zip215);
  for (Engine e : {Engine::portable, Engine::avx2, Engine::avx512ifma}) {
    if (!engine_supported(e)) continue;
    check((verify(item, Rules::strict, e) == VIGIL_OK) == strict);
    check((verify(item, Rules::zip215, e) == VIGIL_OK) == zip215);
  }
  const VerifyItem pair[2] = {item, {valid.key.public_key.data(), valid.sig.data(), valid.msg}};
  for (Rules r : {Rules::strict, Rules::zip215}) {
    uint32_t word = 0;
    uint8_t errors[2];
    verify_batch(pair, r, {&word, 1}, errors);
    check((word & 1) == (r == Rules::strict ? strict : zip215));
    check((word >> 1 & 1) == 1);
    check(errors[1] == VIGIL_OK);
  }
  return 0;
}
