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
  out.header = p;
  out.public_key = p + offsetof(vigil_tx_frame_ed25519, pubkey);
  out.signature = p + offsetof(vigil_tx_frame_ed25519, signature);
  out.payload = bytes.subspan(sizeof(vigil_tx_frame_ed25519), payload_len);
  return VIGIL_OK;
}

size_t frame_signed_message(std::span<const uint8_t, sizeof(vigil_tx_frame_hdr)> header,
                            std::span<const uint8_t> payload, std::span<uint8_t> out) {
  const size_t size = signed_message_size(payload.size());
  if (out.size() < size) return 0;
  uint8_t* p = out.data();
  std::memcpy(p, VIGIL_TX_SIGN_DOMAIN, VIGIL_TX_SIGN_DOMAIN_LEN);
  std::memcpy(p + VIGIL_TX_SIGN_DOMAIN_LEN, header.data(), header.size());
  if (!payload.empty())
    std::memcpy(p + VIGIL_TX_SIGN_DOMAIN_LEN + header.size(), payload.data(), payload.size());
  return size;
}

size_t frame_signed_message(const FrameView& frame, std::span<uint8_t> out) {
  return frame_signed_message(std::span<const uint8_t, 8>(frame.header, 8), frame.payload, out);
}

namespace {
// Everything but the signature and the CRC.
size_t encode_unsigned(std::span<const uint8_t, 32> public_key, std::span<const uint8_t> payload,
                       std::span<uint8_t> out) {
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
  if (!payload.empty())
    std::memcpy(p + sizeof(vigil_tx_frame_ed25519), payload.data(), payload.size());
  return size;
}

size_t seal(std::span<const uint8_t, 64> signature, size_t size, uint8_t* p) {
  std::memcpy(p + offsetof(vigil_tx_frame_ed25519, signature), signature.data(), 64);
  reseal_crc({p, size});
  return size;
}
}  // namespace

void reseal_crc(std::span<uint8_t> frame) {
  const size_t body = frame.size() - VIGIL_TX_CRC_LEN;
  store_le32(frame.data() + body, crc32c(frame.first(body)));
}

size_t sign_frame(const crypto::Keypair& key, std::span<const uint8_t> payload,
                  std::span<uint8_t> out) {
  const size_t size = encode_unsigned(key.public_key, payload, out);
  if (size == 0) return 0;
  std::array<uint8_t, kSignedMessageMax> msg;
  const size_t n = frame_signed_message(out.first<sizeof(vigil_tx_frame_hdr)>(), payload, msg);
  return seal(crypto::sign(key, {msg.data(), n}), size, out.data());
}

size_t frame_from_signed_message(std::span<const uint8_t> signed_message,
                                 std::span<const uint8_t, 32> public_key,
                                 std::span<const uint8_t, 64> signature, std::span<uint8_t> out) {
  constexpr size_t kPrefix = VIGIL_TX_SIGN_DOMAIN_LEN + sizeof(vigil_tx_frame_hdr);
  if (signed_message.size() < kPrefix ||
      std::memcmp(signed_message.data(), VIGIL_TX_SIGN_DOMAIN, VIGIL_TX_SIGN_DOMAIN_LEN) != 0)
    return 0;
  const std::span<const uint8_t> payload = signed_message.subspan(kPrefix);
  const uint8_t* hdr = signed_message.data() + VIGIL_TX_SIGN_DOMAIN_LEN;
  if (load_le16(hdr + 2) != payload.size()) return 0;
  const size_t size = encode_unsigned(public_key, payload, out);
  if (size == 0) return 0;
  std::memcpy(out.data(), hdr, sizeof(vigil_tx_frame_hdr));  // flags and all, as signed
  return seal(signature, size, out.data());
}

size_t encode_frame(std::span<const uint8_t, 32> public_key, std::span<const uint8_t, 64> signature,
                    std::span<const uint8_t> payload, std::span<uint8_t> out) {
  const size_t size = encode_unsigned(public_key, payload, out);
  return size ? seal(signature, size, out.data()) : 0;
}

}  // namespace vigil::ingest
