// The transfer payload of <vigil/fi/transfer.h> (vigil_transfer: version,
// kind, reserved, to, amount, fee, nonce; 64 bytes, little-endian), as far
// as the mempool reads it: the sender's nonce orders the pool. The signer
// (sender) is the frame's public key. host/execution owns its meaning.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace vigil::mempool {

inline constexpr uint8_t kTransferVersion = 1;
inline constexpr size_t kTransferBytes = 64;

struct Transfer {
  std::array<uint8_t, 32> to{};
  uint64_t amount = 0, fee = 0, nonce = 0;
};

std::array<uint8_t, kTransferBytes> encode_transfer(const Transfer& t);
std::optional<Transfer> decode_transfer(std::span<const uint8_t> payload);

// The signer's nonce a payload uses: a transfer's, or a governance
// approval's (host/execution's exact decoder: a validator's approval takes
// its account's next nonce as a transfer does, so it waits its turn here).
// nullopt for anything else (the pool calls it malformed).
std::optional<uint64_t> payload_nonce(std::span<const uint8_t> payload);

}  // namespace vigil::mempool
