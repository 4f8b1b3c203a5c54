#include "host/p2p/handshake.hpp"

#include <algorithm>
#include <cstring>

namespace vigil::p2p {
namespace {

void put_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint32_t get_u32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

}  // namespace

std::string_view refusal_name(Refusal r) {
  switch (r) {
    case Refusal::none:
      return "none";
    case Refusal::malformed:
      return "malformed";
    case Refusal::version:
      return "version";
    case Refusal::chain:
      return "chain_id";
    case Refusal::unknown_key:
      return "unknown_key";
    case Refusal::bad_proof:
      return "bad_proof";
    case Refusal::self:
      return "self";
    case Refusal::timeout:
      return "timeout";
    case Refusal::removed_key:
      return "removed_key";
    case Refusal::count_:
      break;
  }
  return "unknown";
}

std::array<uint8_t, kHelloBytes> encode_hello(const Hello& h) {
  std::array<uint8_t, kHelloBytes> out{};
  put_u32(out.data(), VIGIL_P2P_MAGIC);
  out[4] = uint8_t(VIGIL_P2P_VERSION);
  out[5] = uint8_t(VIGIL_P2P_VERSION >> 8);
  std::memcpy(out.data() + offsetof(vigil_p2p_hello, chain_id), h.chain_id.data(), 32);
  std::memcpy(out.data() + offsetof(vigil_p2p_hello, public_key), h.public_key.data(), 32);
  std::memcpy(out.data() + offsetof(vigil_p2p_hello, challenge), h.challenge.data(), 32);
  return out;
}

Refusal decode_hello(std::span<const uint8_t> b, Hello& out) {
  if (b.size() != kHelloBytes || get_u32(b.data()) != VIGIL_P2P_MAGIC) return Refusal::malformed;
  if (b[6] != 0 || b[7] != 0) return Refusal::malformed;
  if ((uint32_t(b[4]) | uint32_t(b[5]) << 8) != VIGIL_P2P_VERSION) return Refusal::version;
  std::memcpy(out.chain_id.data(), b.data() + offsetof(vigil_p2p_hello, chain_id), 32);
  std::memcpy(out.public_key.data(), b.data() + offsetof(vigil_p2p_hello, public_key), 32);
  std::memcpy(out.challenge.data(), b.data() + offsetof(vigil_p2p_hello, challenge), 32);
  return Refusal::none;
}

Refusal check_hello(const Identity& me, const Hello& peer, uint32_t* index) {
  if (peer.chain_id != me.chain_id) return Refusal::chain;
  if (peer.public_key == me.key.public_key) return Refusal::self;
  auto it = std::find(me.validators.begin(), me.validators.end(), peer.public_key);
  if (it == me.validators.end()) {
    const bool removed =
        std::find(me.removed.begin(), me.removed.end(), peer.public_key) != me.removed.end();
    return removed ? Refusal::removed_key : Refusal::unknown_key;
  }
  *index = uint32_t(it - me.validators.begin());
  return Refusal::none;
}

void replace_validators(Identity& id, std::vector<Key> next) {
  auto in = [](const std::vector<Key>& v, const Key& k) {
    return std::find(v.begin(), v.end(), k) != v.end();
  };
  for (const Key& k : id.validators)
    if (!in(next, k) && !in(id.removed, k)) id.removed.push_back(k);
  std::erase_if(id.removed, [&](const Key& k) { return in(next, k); });
  if (id.removed.size() > kMaxRemovedKeys)
    id.removed.erase(id.removed.begin(),
                     id.removed.begin() + ptrdiff_t(id.removed.size() - kMaxRemovedKeys));
  id.validators = std::move(next);
}

std::vector<uint8_t> proof_message(const ChainId& chain, const Key& signer, const Key& peer,
                                   const Challenge& peer_challenge) {
  constexpr std::string_view domain = VIGIL_DOMAIN_P2P_HANDSHAKE;
  std::vector<uint8_t> m(domain.begin(), domain.end());
  m.insert(m.end(), chain.begin(), chain.end());
  m.insert(m.end(), signer.begin(), signer.end());
  m.insert(m.end(), peer.begin(), peer.end());
  m.insert(m.end(), peer_challenge.begin(), peer_challenge.end());
  return m;
}

std::array<uint8_t, kProofBytes> make_proof(const Identity& me, const Hello& peer) {
  const auto sig = crypto::sign(
      me.key, proof_message(me.chain_id, me.key.public_key, peer.public_key, peer.challenge));
  std::array<uint8_t, kProofBytes> out;
  std::copy(sig.begin(), sig.end(), out.begin());
  return out;
}

Refusal check_proof(const Identity& me, const Challenge& my_challenge, const Hello& peer,
                    std::span<const uint8_t> proof) {
  if (proof.size() != kProofBytes) return Refusal::malformed;
  const auto msg = proof_message(me.chain_id, peer.public_key, me.key.public_key, my_challenge);
  const crypto::VerifyItem item{peer.public_key.data(), proof.data(), msg};
  return crypto::verify(item, crypto::Rules::strict) == VIGIL_OK ? Refusal::none
                                                                 : Refusal::bad_proof;
}

std::optional<uint32_t> decode_length(std::span<const uint8_t, VIGIL_P2P_LEN_PREFIX> prefix,
                                      uint32_t max) {
  const uint32_t len = get_u32(prefix.data());
  if (len == 0 || len > max) return std::nullopt;
  return len;
}

std::array<uint8_t, VIGIL_P2P_LEN_PREFIX> encode_length(uint32_t len) {
  std::array<uint8_t, VIGIL_P2P_LEN_PREFIX> out;
  put_u32(out.data(), len);
  return out;
}

}  // namespace vigil::p2p
