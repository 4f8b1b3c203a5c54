// The JSON that `vigil state --proof` prints and `vigil verify-proof` reads:
// {"account": pk hex, "height": H, "exists": bool, "balance", "nonce",
//  "state_root": hex, "proof": hex (host/state encode_proof), and "header":
//  hex of block H+1's 128-byte header, whose state_root commits to the state
//  after block H, when that block exists}.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "host/crypto/sig_jsonl.hpp"
#include "host/execution/executor.hpp"

namespace vigil::tool {

template <size_t N>
std::optional<std::array<uint8_t, N>> hex_array(const std::string& hex) {
  std::vector<uint8_t> b;
  if (!crypto::from_hex(hex, b) || b.size() != N) return std::nullopt;
  std::array<uint8_t, N> out;
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

inline std::string hex(std::span<const uint8_t> b) {
  return crypto::to_hex(b.data(), b.size());
}

}  // namespace vigil::tool
