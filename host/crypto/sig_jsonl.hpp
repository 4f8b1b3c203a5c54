// The signed-message JSON line that `vigil verify` reads and `vigil sign`
// writes: {"pk":"<64 hex>","msg":"<hex>","sig":"<128 hex>"}. A line that is
// not exactly that gets a reason, never an exception.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::crypto {

struct SigLine {
  std::array<uint8_t, 32> pk;
  std::array<uint8_t, 64> sig;
  std::vector<uint8_t> msg;
};

// Parses one line (without its newline). Returns "" and fills `out` when the
// line is well-formed, else the reason ("bad JSON", "\"pk\" must be 32
// bytes", ...).
std::string parse_sig_line(std::string_view line, SigLine& out);

// Lowercase hex, and its inverse (false on odd length or a non-hex digit).
std::string to_hex(const uint8_t* data, size_t n);
bool from_hex(std::string_view hex, std::vector<uint8_t>& out);

}  // namespace vigil::crypto
