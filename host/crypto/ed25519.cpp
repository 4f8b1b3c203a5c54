// Ed25519 key generation and signing (RFC 8032 section 5.1.5-5.1.6) and
// single-item verification under either rule set.
#include "host/crypto/ed25519.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "host/crypto/double_scalarmult.hpp"
#include "host/crypto/ed25519_rules.hpp"
#include "host/crypto/sha2.hpp"

namespace vigil::crypto {

Keypair keypair_from_seed(const Seed& seed) {
  uint8_t a[32], prefix[32];
  ed25519_expand_seed(seed, a, prefix);
  Keypair key;
  key.seed = seed;
  ge_tobytes(key.public_key.data(), ge_scalarmult_base(a));
  return key;
}

Keypair generate_keypair() {
  Seed seed;
  size_t got = 0;
  while (got < seed.size()) {
    const ssize_t n = getrandom(seed.data() + got, seed.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::abort();  // no entropy source: a key must never be guessable
    }
    got += static_cast<size_t>(n);
  }
  return keypair_from_seed(seed);
}

Signature sign(const Keypair& key, std::span<const uint8_t> message) {
  uint8_t a[32], prefix[32];
  ed25519_expand_seed(key.seed, a, prefix);
  Sha512 hr;
  hr.update({prefix, 32});
  hr.update(message);
  const Sc r = sc_reduce512(hr.finish().data());
  uint8_t rb[32];
  sc_store(rb, r);
  Signature sig;
  ge_tobytes(sig.data(), ge_scalarmult_base(rb));
  const Sc k = ed25519_challenge(sig.data(), key.public_key.data(), message);
  sc_store(sig.data() + 32, sc_muladd(k, sc_load(a), r));
  return sig;
}

vigil_error verify(const VerifyItem& item, Rules rules, Engine engine) {
  if (!engine_supported(engine)) return VIGIL_ERR_UNSUPPORTED;
  if (rules == Rules::strict) {
    StrictPrepared p;
    const vigil_error e = strict_prepare(item, p);
    if (e != VIGIL_OK) return e;
    if (engine == Engine::automatic) engine = best_engine();
    uint8_t check[32];
    dsm_encode_lanes_for(engine)(1, p.ax, p.ay, p.k, p.s, check);
    return std::memcmp(check, p.r, 32) == 0 ? VIGIL_OK : VIGIL_ERR_SIG_INVALID;
  }
  if (rules == Rules::zip215) {
    Zip215Prepared p;
    const vigil_error e = zip215_prepare(item, p);
    if (e != VIGIL_OK) return e;
    return zip215_equation(p) ? VIGIL_OK : VIGIL_ERR_SIG_INVALID;
  }
  return VIGIL_ERR_BAD_RULES;
}

}  // namespace vigil::crypto
