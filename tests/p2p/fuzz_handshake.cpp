// Fuzz target: what a peer sends first (a hello, a proof) and the length
// prefixes after it; any bytes give a refusal or a value, never a crash.
#include <cstddef>
#include <cstdint>

#include "host/p2p/handshake.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::p2p;
  static const Identity me = [] {
    Identity id;
    id.key = vigil::crypto::keypair_from_seed({});
    id.validators = {id.key.public_key, Key{1}};
    return id;
  }();
  std::span<const uint8_t> in(data, size);
  Hello h;
  if (in.size() >= kHelloBytes && decode_hello(in.first(kHelloBytes), h) == Refusal::none) {
    uint32_t index = 0;
    if (check_hello(me, h, &index) == Refusal::none && in.size() >= kHelloBytes + kProofBytes)
      check_proof(me, Challenge{}, h, in.subspan(kHelloBytes, kProofBytes));
  }
  for (size_t off = 0; off + VIGIL_P2P_LEN_PREFIX <= in.size(); off += VIGIL_P2P_LEN_PREFIX)
    decode_length(std::span<const uint8_t, VIGIL_P2P_LEN_PREFIX>(in.data() + off, 4),
                  VIGIL_P2P_MAX_MESSAGE);
  return 0;
}
