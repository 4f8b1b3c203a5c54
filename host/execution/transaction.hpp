// Transactions as execution reads them (firmware-interface/vigil/fi/transfer.h):
// strict decoders of the payloads (fuzzed), encoders for clients, tools and
// tests, and the one place that knows which bytes a frame's signature covers.
#pragma once

#include <vigil/fi/contract.h>
#include <vigil/fi/transfer.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "host/crypto/ed25519.hpp"
#include "host/ingest/frame.hpp"

namespace vigil::execution {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;
using PublicKey = std::array<uint8_t, 32>;

struct Transfer {
  PublicKey to{};
  uint64_t amount = 0, fee = 0, nonce = 0;
};

struct GovernanceTx {
  vigil_gov_action action = VIGIL_GOV_VALIDATOR_SET;
  uint64_t epoch = 0;
  uint64_t protocol_version = 0;  // PROTOCOL_VERSION
  uint64_t nonce = 0;
  std::vector<PublicKey> keys;  // VALIDATOR_SET: 1..VIGIL_MAX_VALIDATORS, distinct
  bool operator==(const GovernanceTx&) const = default;
};

// Exact decoders: the version byte, the kind, the size and every reserved
// byte must be right, and a validator set's keys distinct; anything else is
// nullopt (VIGIL_TX_ERR_MALFORMED).
std::optional<Transfer> decode_transfer(ByteView payload);
std::optional<GovernanceTx> decode_governance(ByteView payload);
// The payload's kind byte, or 0 when it has none or the version is unknown.
uint8_t payload_kind(ByteView payload);

Bytes encode_transfer(const Transfer& t);
Bytes encode_governance(const GovernanceTx& g);

// The bytes a frame's signature covers. Today: the payload (frame.h). When
// ingest's domain-separated layout lands this is the one function to change.
Bytes frame_signed_message(const ingest::FrameView& f);

// A signed frame carrying `payload`, signed by `key`.
Bytes make_frame(const crypto::Keypair& key, ByteView payload);

}  // namespace vigil::execution
