// JSON-line parsing for signed messages (see sig_jsonl.hpp).
#include "host/crypto/sig_jsonl.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace vigil::crypto {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads field `name` as hex of exactly `want` bytes (any length when want is
// 0) into out; returns the reason on failure.
std::string hex_field(const nlohmann::json& j, const char* name, size_t want,
                      std::vector<uint8_t>& out) {
  const auto it = j.find(name);
  if (it == j.end()) return std::string("missing \"") + name + "\"";
  if (!it->is_string()) return std::string("\"") + name + "\" is not a string";
  if (!from_hex(it->get_ref<const std::string&>(), out)) {
    return std::string("\"") + name + "\" is not hex";
  }
  if (want != 0 && out.size() != want) {
    return std::string("\"") + name + "\" must be " + std::to_string(want) + " bytes, not " +
           std::to_string(out.size());
  }
  return "";
}

}  // namespace

std::string to_hex(const uint8_t* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = kDigits[data[i] >> 4];
    s[2 * i + 1] = kDigits[data[i] & 15];
  }
  return s;
}

bool from_hex(std::string_view hex, std::vector<uint8_t>& out) {
  if (hex.size() % 2 != 0) return false;
  out.resize(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

std::string parse_sig_line(std::string_view line, SigLine& out) {
  if (std::all_of(line.begin(), line.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\r'; })) {
    return "empty line";
  }
  const nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded()) return "bad JSON";
  if (!j.is_object()) return "not a JSON object";
  std::vector<uint8_t> bytes;
  if (auto e = hex_field(j, "pk", 32, bytes); !e.empty()) return e;
  std::copy(bytes.begin(), bytes.end(), out.pk.begin());
  if (auto e = hex_field(j, "sig", 64, bytes); !e.empty()) return e;
  std::copy(bytes.begin(), bytes.end(), out.sig.begin());
  if (auto e = hex_field(j, "msg", 0, out.msg); !e.empty()) return e;
  return "";
}

}  // namespace vigil::crypto
