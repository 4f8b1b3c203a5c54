#include "host/ingest/frame.hpp"

#include <cstring>

#include "host/ingest/crc32c.hpp"

namespace vigil::ingest {

namespace {
uint16_t load_le16(const uint8_t* p) {
  return uint16_t(p[0] | p[1] << 8);
}
uint32_t load_le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
void store_le32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
}  // namespace

vigil_error parse_frame(std::span<const uint8_t> bytes, FrameView& out) {
  const size_t size = bytes.size();
  if (size < sizeof(vigil_tx_frame_hdr)) return VIGIL_ERR_SHORT;
  if (size > VIGIL_TX_FRAME_MAX) return VIGIL_ERR_OVERSIZED;
  const uint8_t* p = bytes.data();
  if (p[0] != VIGIL_WIRE_VERSION) return VIGIL_ERR_UNKNOWN_VERSION;
  if (p[1] != VIGIL_SCHEME_ED25519) return VIGIL_ERR_UNKNOWN_SCHEME;
  const size_t payload_len = load_le16(p + 2);
  if (payload_len > VIGIL_TX_PAYLOAD_MAX) return VIGIL_ERR_OVERSIZED;
  if (size != frame_size(payload_len)) return VIGIL_ERR_BAD_LENGTH;
  const size_t body = size - VIGIL_TX_CRC_LEN;
  if (crc32c(bytes.first(body)) != load_le32(p + body)) return VIGIL_ERR_BAD_CRC;
  out.scheme = p[1];
  out.flags = load_le32(p + 4);
  out.public_key = p + offsetof(vigil_tx_frame_ed25519, pubkey);
  out.signature = p + offsetof(vigil_tx_frame_ed25519, signature);
  out.payload = bytes.subspan(sizeof(vigil_tx_frame_ed25519), payload_len);
  return VIGIL_OK;
}

size_t encode_frame(std::span<const uint8_t, 32> public_key, std::span<const uint8_t, 64> signature,
                    std::span<const uint8_t> payload, std::span<uint8_t> out) {
  if (payload.size() > VIGIL_TX_PAYLOAD_MAX) return 0;
  const size_t size = frame_size(payload.size());
  if (out.size() < size) return 0;
  uint8_t* p = out.data();
  p[0] = VIGIL_WIRE_VERSION;
  p[1] = VIGIL_SCHEME_ED25519;
  p[2] = uint8_t(payload.size());
  p[3] = uint8_t(payload.size() >> 8);
  store_le32(p + 4, 0);
  std::memcpy(p + offsetof(vigil_tx_frame_ed25519, pubkey), public_key.data(), 32);
  std::memcpy(p + offsetof(vigil_tx_frame_ed25519, signature), signature.data(), 64);
  if (!payload.empty())
    std::memcpy(p + sizeof(vigil_tx_frame_ed25519), payload.data(), payload.size());
  const size_t body = size - VIGIL_TX_CRC_LEN;
  store_le32(p + body, crc32c({p, body}));
  return size;
}

}  // namespace vigil::ingest
