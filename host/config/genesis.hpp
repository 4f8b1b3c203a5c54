// The genesis file (JSON): the chain's name, the first validator set with
// each validator's peer address, and the funded accounts.
//   {"chain": "vigil-local",
//    "validators": [{"key": "<64 hex>", "p2p": "HOST:PORT"}, ...],
//    "accounts": [{"key": "<64 hex>", "balance": N}, ...]}
// The chain id is SHA-256 of the file's bytes, so nodes with different
// genesis files refuse each other at the handshake.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace vigil::config {

struct GenesisValidator {
  std::array<uint8_t, 32> key{};
  std::string p2p;
};
struct GenesisAccount {
  std::array<uint8_t, 32> key{};
  uint64_t balance = 0;
};
struct GenesisFile {
  std::string chain;
  std::array<uint8_t, 32> chain_id{};
  std::vector<GenesisValidator> validators;
  std::vector<GenesisAccount> accounts;
};

bool load_genesis(const std::string& path, GenesisFile* out, std::vector<std::string>* errors);
bool parse_genesis(const std::string& text, const std::string& path, GenesisFile* out,
                   std::vector<std::string>* errors);
std::string genesis_json(const GenesisFile& g);  // the inverse (tools)

// A key file: one `vigil keygen` line {"seed": hex, "pk": hex}; the public
// key must be the seed's.
bool load_key_file(const std::string& path, std::array<uint8_t, 32>* seed,
                   std::vector<std::string>* errors);

}  // namespace vigil::config
