// The peer handshake of <vigil/fi/p2p.h> as pure functions: encode and check
// a hello, make and check a proof. The network (network.hpp) does the I/O;
// everything an attacker can send is judged here, so the fuzz target and the
// tests reach it without sockets.
#pragma once

#include <vigil/fi/p2p.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "host/crypto/ed25519.hpp"

namespace vigil::p2p {

using Key = std::array<uint8_t, 32>;
using ChainId = std::array<uint8_t, VIGIL_P2P_CHAIN_ID_LEN>;
using Challenge = std::array<uint8_t, VIGIL_P2P_CHALLENGE_LEN>;

enum class Refusal : uint8_t {
  none = 0,
  malformed = VIGIL_P2P_REFUSE_MALFORMED,
  version = VIGIL_P2P_REFUSE_VERSION,
  chain = VIGIL_P2P_REFUSE_CHAIN,
  unknown_key = VIGIL_P2P_REFUSE_UNKNOWN_KEY,
  bad_proof = VIGIL_P2P_REFUSE_BAD_PROOF,
  self = VIGIL_P2P_REFUSE_SELF,
  timeout = VIGIL_P2P_REFUSE_TIMEOUT,
  removed_key = VIGIL_P2P_REFUSE_REMOVED_KEY,
  count_
};
inline constexpr size_t kRefusalReasons = size_t(Refusal::count_);
std::string_view refusal_name(Refusal r);

struct Hello {
  ChainId chain_id{};
  Key public_key{};
  Challenge challenge{};
};

inline constexpr size_t kHelloBytes = sizeof(vigil_p2p_hello);
inline constexpr size_t kProofBytes = sizeof(vigil_p2p_proof);

std::array<uint8_t, kHelloBytes> encode_hello(const Hello& h);
// Decodes a hello; malformed or version on a bad magic, reserved or version.
Refusal decode_hello(std::span<const uint8_t> bytes, Hello& out);

// Who may connect: the current validator set (ascending index) and us.
// `removed` holds keys of earlier sets that the current one dropped, so a
// refusal can tell a removed validator from a stranger (at most
// kMaxRemovedKeys, the oldest forgotten first).
struct Identity {
  ChainId chain_id{};
  crypto::Keypair key{};
  std::vector<Key> validators;
  std::vector<Key> removed;
};
inline constexpr size_t kMaxRemovedKeys = 1024;

// The current set becomes `next`: keys of the old set that `next` lacks
// join `removed`, keys `next` names leave it.
void replace_validators(Identity& id, std::vector<Key> next);

// Checks a decoded hello against `me`; on success `*index` is the peer's
// validator index. A key outside the set is removed_key when an earlier set
// had it, else unknown_key.
Refusal check_hello(const Identity& me, const Hello& peer, uint32_t* index);

// What a proof signs: domain || chain id || signer key || peer key || peer challenge.
std::vector<uint8_t> proof_message(const ChainId& chain, const Key& signer, const Key& peer,
                                   const Challenge& peer_challenge);
std::array<uint8_t, kProofBytes> make_proof(const Identity& me, const Hello& peer);
// The peer's proof of its key over our challenge.
Refusal check_proof(const Identity& me, const Challenge& my_challenge, const Hello& peer,
                    std::span<const uint8_t> proof);

// A message length prefix: the length, or nullopt when it is 0 or over `max`.
std::optional<uint32_t> decode_length(std::span<const uint8_t, VIGIL_P2P_LEN_PREFIX> prefix,
                                      uint32_t max);
std::array<uint8_t, VIGIL_P2P_LEN_PREFIX> encode_length(uint32_t len);

}  // namespace vigil::p2p
