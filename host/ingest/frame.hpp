// The transaction frame (firmware-interface/vigil/fi/frame.h): parsing as
// ingest does it, and encoding for clients, tools and tests.
//
// Promise: parse_frame is pure and total: for any bytes it returns VIGIL_OK
// with views into `bytes`, or exactly one drop reason, and reads nothing
// outside `bytes`. Checks run cheapest first (sizes, version, scheme,
// lengths), the CRC last, so junk costs as little as possible:
//   fewer than 8 bytes                     VIGIL_ERR_SHORT
//   more than VIGIL_TX_FRAME_MAX bytes     VIGIL_ERR_OVERSIZED
//   version != VIGIL_WIRE_VERSION          VIGIL_ERR_UNKNOWN_VERSION
//   scheme not Ed25519                     VIGIL_ERR_UNKNOWN_SCHEME
//   payload_len > VIGIL_TX_PAYLOAD_MAX     VIGIL_ERR_OVERSIZED
//   size != 104 + payload_len + 4          VIGIL_ERR_BAD_LENGTH
//   CRC32C mismatch                        VIGIL_ERR_BAD_CRC
// The flags word is reserved for later minor versions; it is covered by the
// CRC and otherwise not interpreted.
#pragma once

#include <vigil/fi/contract.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace vigil::ingest {

struct FrameView {
  uint8_t scheme = 0;
  uint32_t flags = 0;
  const uint8_t* public_key = nullptr;  // 32 bytes
  const uint8_t* signature = nullptr;   // 64 bytes
  std::span<const uint8_t> payload;     // what the signature signs
};

vigil_error parse_frame(std::span<const uint8_t> bytes, FrameView& out);

// Size of an Ed25519 frame with `payload_len` payload bytes.
constexpr size_t frame_size(size_t payload_len) {
  return sizeof(vigil_tx_frame_ed25519) + payload_len + VIGIL_TX_CRC_LEN;
}

// Writes a well-formed Ed25519 frame (header, key, signature, payload, CRC)
// into `out`; returns its size, or 0 when the payload is too large or `out`
// too small.
size_t encode_frame(std::span<const uint8_t, 32> public_key, std::span<const uint8_t, 64> signature,
                    std::span<const uint8_t> payload, std::span<uint8_t> out);

}  // namespace vigil::ingest
