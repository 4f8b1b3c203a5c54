// Fuzz target: vigild's TOML configuration and the genesis file parser (any
// bytes: an error list or a config, never a crash).
#include <cstddef>
#include <cstdint>
#include <string>

#include "host/config/config.hpp"
#include "host/config/genesis.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  vigil::config::Config c;
  std::vector<std::string> errors;
  vigil::config::parse(text, "/fuzz/vigild.toml", &c, &errors);
  vigil::config::GenesisFile g;
  vigil::config::parse_genesis(text, "/fuzz/genesis.json", &g, &errors);
  return 0;
}
