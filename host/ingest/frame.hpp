// The transaction frame (firmware-interface/vigil/fi/frame.h): parsing as
// ingest does it, the bytes its signature covers, and signing and encoding
// for clients, tools and tests. Every signer builds frames with sign_frame
// and every verifier checks the bytes frame_signed_message writes: the two
// cannot drift apart.
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

#include "host/crypto/ed25519.hpp"

namespace vigil::ingest {

// What Ingest::admit computed from a frame's signature and key, carried
// with the frame (into its batch) to Ingest::record_verified, so no hash is
// computed twice. It vouches only for the signature and key it was computed
// from: whoever carries it carries those bytes beside it.
struct FrameTicket {
  uint64_t dedup_tag = 0;  // SignatureDedup::tag(signature, public key), never 0 once set
  uint64_t key_id = 0;     // the sender key's id in the key budgets
};

struct FrameView {
  uint8_t scheme = 0;
  uint32_t flags = 0;
  const uint8_t* header = nullptr;      // the 8 header bytes, signed as sent
  const uint8_t* public_key = nullptr;  // 32 bytes
  const uint8_t* signature = nullptr;   // 64 bytes
  std::span<const uint8_t> payload;
  // Set by Ingest::admit: the proven source address, or kUnprovenSource,
  // and the frame's ticket.
  uint32_t source = 0;
  FrameTicket ticket;
};

vigil_error parse_frame(std::span<const uint8_t> bytes, FrameView& out);

// Size of an Ed25519 frame with `payload_len` payload bytes.
constexpr size_t frame_size(size_t payload_len) {
  return sizeof(vigil_tx_frame_ed25519) + payload_len + VIGIL_TX_CRC_LEN;
}

// Size of the message a frame with `payload_len` payload bytes signs.
constexpr size_t signed_message_size(size_t payload_len) {
  return VIGIL_TX_SIGNED_LEN(payload_len);
}
inline constexpr size_t kSignedMessageMax = signed_message_size(VIGIL_TX_PAYLOAD_MAX);

// Writes exactly the bytes a frame's signature covers (domain, header,
// payload) into `out`; returns their size, or 0 when `out` is too small.
size_t frame_signed_message(std::span<const uint8_t, sizeof(vigil_tx_frame_hdr)> header,
                            std::span<const uint8_t> payload, std::span<uint8_t> out);
size_t frame_signed_message(const FrameView& frame, std::span<uint8_t> out);

// Signs `payload` with `key` and writes the whole frame (header, key,
// signature, payload, CRC) into `out`; returns its size, or 0 when the
// payload is too large or `out` too small.
size_t sign_frame(const crypto::Keypair& key, std::span<const uint8_t> payload,
                  std::span<uint8_t> out);

// Rebuilds the frame from what a batch item holds (its signed message, key
// and signature): the frame exactly as the client signed it. Returns its
// size, or 0 when `signed_message` is not one or `out` is too small.
size_t frame_from_signed_message(std::span<const uint8_t> signed_message,
                                 std::span<const uint8_t, 32> public_key,
                                 std::span<const uint8_t, 64> signature, std::span<uint8_t> out);

// Writes a frame with the given signature, whatever it signs (tests, junk
// and forgeries in the traffic generator, re-encoding a parsed frame);
// returns its size, or 0 when the payload is too large or `out` too small.
size_t encode_frame(std::span<const uint8_t, 32> public_key, std::span<const uint8_t, 64> signature,
                    std::span<const uint8_t> payload, std::span<uint8_t> out);

// Rewrites the trailing CRC32C of `frame` (at least 4 bytes) over the bytes
// before it: how tests and the traffic generator make edited frames that
// pass the CRC check.
void reseal_crc(std::span<uint8_t> frame);

}  // namespace vigil::ingest
