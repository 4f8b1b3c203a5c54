#include "host/ingest/keyed_hash.hpp"

#include <sodium.h>
#include <sys/random.h>

#include <cstdlib>
#include <cstring>

namespace vigil::ingest {

static_assert(crypto_shorthash_KEYBYTES == 16 && crypto_shorthash_BYTES == 8);

HashKey HashKey::secret() {
  HashKey k;
  for (size_t got = 0; got < k.key_.size();) {
    const ssize_t n = getrandom(k.key_.data() + got, k.key_.size() - got, 0);
    if (n < 0) std::abort();  // no entropy at start-up: nothing safe to do
    got += size_t(n);
  }
  return k;
}

HashKey HashKey::from_seed(uint64_t seed) {
  HashKey k;
  std::memcpy(k.key_.data(), &seed, 8);
  return k.derive(0x7669676c2d736565ull);  // spread the seed over all 16 bytes
}

HashKey HashKey::derive(uint64_t domain) const {
  HashKey k;
  const uint64_t a = hash_u64(domain), b = hash_u64(~domain);
  std::memcpy(k.key_.data(), &a, 8);
  std::memcpy(k.key_.data() + 8, &b, 8);
  return k;
}

uint64_t HashKey::hash(const void* bytes, size_t len) const {
  uint64_t out;
  crypto_shorthash(reinterpret_cast<unsigned char*>(&out), static_cast<const unsigned char*>(bytes),
                   len, key_.data());
  return out;
}

}  // namespace vigil::ingest
