#include "host/execution/transaction.hpp"

#include <algorithm>
#include <cstring>

namespace vigil::execution {
namespace {

uint64_t load_u64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}
uint32_t load_u32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
void store_u64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}
void store_u32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
bool all_zero(const uint8_t* p, size_t n) {
  return std::all_of(p, p + n, [](uint8_t b) { return b == 0; });
}

}  // namespace

uint8_t payload_kind(ByteView p) {
  if (p.size() < 2 || p[0] != VIGIL_TX_VERSION) return 0;
  return p[1];
}

std::optional<Transfer> decode_transfer(ByteView p) {
  if (p.size() != sizeof(vigil_transfer) || payload_kind(p) != VIGIL_TX_TRANSFER ||
      !all_zero(p.data() + 2, 6))
    return std::nullopt;
  Transfer t;
  std::memcpy(t.to.data(), p.data() + offsetof(vigil_transfer, to), 32);
  t.amount = load_u64(p.data() + offsetof(vigil_transfer, amount));
  t.fee = load_u64(p.data() + offsetof(vigil_transfer, fee));
  t.nonce = load_u64(p.data() + offsetof(vigil_transfer, nonce));
  return t;
}

std::optional<GovernanceTx> decode_governance(ByteView p) {
  constexpr size_t kFixed = sizeof(vigil_governance);
  if (p.size() < kFixed || payload_kind(p) != VIGIL_TX_GOVERNANCE || p[3] != 0) return std::nullopt;
  GovernanceTx g;
  const uint32_t count = load_u32(p.data() + offsetof(vigil_governance, key_count));
  g.epoch = load_u64(p.data() + offsetof(vigil_governance, epoch));
  g.protocol_version = load_u64(p.data() + offsetof(vigil_governance, protocol_version));
  g.nonce = load_u64(p.data() + offsetof(vigil_governance, nonce));
  if (p[2] == VIGIL_GOV_VALIDATOR_SET) {
    if (count == 0 || count > VIGIL_MAX_VALIDATORS || g.protocol_version != 0 ||
        p.size() != kFixed + size_t(count) * 32)
      return std::nullopt;
    g.action = VIGIL_GOV_VALIDATOR_SET;
    g.keys.resize(count);
    for (uint32_t i = 0; i < count; ++i)
      std::memcpy(g.keys[i].data(), p.data() + kFixed + i * 32, 32);
    std::vector<PublicKey> sorted = g.keys;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) return std::nullopt;
  } else if (p[2] == VIGIL_GOV_PROTOCOL_VERSION) {
    if (count != 0 || p.size() != kFixed || g.protocol_version == 0) return std::nullopt;
    g.action = VIGIL_GOV_PROTOCOL_VERSION;
  } else {
    return std::nullopt;
  }
  return g;
}

Bytes encode_transfer(const Transfer& t) {
  Bytes out(sizeof(vigil_transfer), 0);
  out[0] = VIGIL_TX_VERSION;
  out[1] = VIGIL_TX_TRANSFER;
  std::memcpy(out.data() + offsetof(vigil_transfer, to), t.to.data(), 32);
  store_u64(out.data() + offsetof(vigil_transfer, amount), t.amount);
  store_u64(out.data() + offsetof(vigil_transfer, fee), t.fee);
  store_u64(out.data() + offsetof(vigil_transfer, nonce), t.nonce);
  return out;
}

Bytes encode_governance(const GovernanceTx& g) {
  Bytes out(sizeof(vigil_governance) + g.keys.size() * 32, 0);
  out[0] = VIGIL_TX_VERSION;
  out[1] = VIGIL_TX_GOVERNANCE;
  out[2] = uint8_t(g.action);
  store_u32(out.data() + offsetof(vigil_governance, key_count), uint32_t(g.keys.size()));
  store_u64(out.data() + offsetof(vigil_governance, epoch), g.epoch);
  store_u64(out.data() + offsetof(vigil_governance, protocol_version), g.protocol_version);
  store_u64(out.data() + offsetof(vigil_governance, nonce), g.nonce);
  for (size_t i = 0; i < g.keys.size(); ++i)
    std::memcpy(out.data() + sizeof(vigil_governance) + i * 32, g.keys[i].data(), 32);
  return out;
}

Bytes frame_signed_message(const ingest::FrameView& f) {
  return Bytes(f.payload.begin(), f.payload.end());
}

Bytes make_frame(const crypto::Keypair& key, ByteView payload) {
  Bytes frame(ingest::frame_size(payload.size()));
  crypto::Signature unsigned_sig{};
  ingest::encode_frame(key.public_key, unsigned_sig, payload, frame);
  ingest::FrameView view;
  ingest::parse_frame(frame, view);
  crypto::Signature sig = crypto::sign(key, frame_signed_message(view));
  ingest::encode_frame(key.public_key, sig, payload, frame);
  return frame;
}

}  // namespace vigil::execution
