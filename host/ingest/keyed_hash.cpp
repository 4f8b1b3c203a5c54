#include "host/ingest/keyed_hash.hpp"

#include <sodium.h>
#include <sys/random.h>

#include <cstdlib>

namespace vigil::ingest {

static_assert(crypto_shorthash_KEYBYTES == 16 && crypto_shorthash_BYTES == 8);

void HashKey::set(const std::array<uint8_t, 16>& key) {
  key_ = key;
  k0_ = siphash::load_le64(key_.data());
  k1_ = siphash::load_le64(key_.data() + 8);
}

HashKey HashKey::secret() {
  std::array<uint8_t, 16> key;
  for (size_t got = 0; got < key.size();) {
    const ssize_t n = getrandom(key.data() + got, key.size() - got, 0);
    if (n < 0) std::abort();  // no entropy at start-up: nothing safe to do
    got += size_t(n);
  }
  HashKey k;
  k.set(key);
  return k;
}

HashKey HashKey::from_seed(uint64_t seed) {
  std::array<uint8_t, 16> key{};
  std::memcpy(key.data(), &seed, 8);
  HashKey k;
  k.set(key);
  return k.derive(0x7669676c2d736565ull);  // spread the seed over all 16 bytes
}

HashKey HashKey::derive(uint64_t domain) const {
  std::array<uint8_t, 16> key;
  const uint64_t a = mac_u64(domain), b = mac_u64(~domain);
  std::memcpy(key.data(), &a, 8);
  std::memcpy(key.data() + 8, &b, 8);
  HashKey k;
  k.set(key);
  return k;
}

uint64_t HashKey::mac(const void* bytes, size_t len) const {
  uint64_t out;
  crypto_shorthash(reinterpret_cast<unsigned char*>(&out), static_cast<const unsigned char*>(bytes),
                   len, key_.data());
  return out;
}

}  // namespace vigil::ingest
