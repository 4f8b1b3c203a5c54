#include "host/consensus/sim/mock_signer.hpp"

#include <cstring>

#include "host/consensus/sim/rng.hpp"
#include "host/crypto/sha2.hpp"

namespace vigil::consensus::sim {

Signature mock_sign(const PublicKey& key, ByteView message) {
  static constexpr char kDomain[] = "vigil/mock-sig";
  crypto::Sha512 h;
  h.update({reinterpret_cast<const uint8_t*>(kDomain), sizeof kDomain - 1});
  h.update(key);
  h.update(message);
  return h.finish();
}

bool mock_verify(const VerifyItem& item) {
  Signature want = mock_sign(item.public_key, *item.message);
  return std::memcmp(want.data(), item.signature.data(), want.size()) == 0;
}

PublicKey mock_key(uint64_t seed, uint32_t index) {
  uint64_t x = seed * 0x100000001b3ull + index;
  PublicKey k;
  for (size_t i = 0; i < k.size(); i += 8) {
    uint64_t w = splitmix64(x);
    std::memcpy(k.data() + i, &w, 8);
  }
  return k;
}

}  // namespace vigil::consensus::sim
