// INTERIM transfer payload, until the ledger issue's contract header and
// host/execution land (they own the layout; this one is replaced by theirs):
//   u8 version (1), u8 reserved[7], to[32], u64 amount, u64 fee, u64 nonce
// little-endian, 64 bytes. The signer (sender) is the frame's public key.
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

}  // namespace vigil::mempool
