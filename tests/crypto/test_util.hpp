// Small helpers shared by the crypto tests: hex, and loading the speccheck
// vectors from VIGIL_VECTORS_DIR.
#pragma once

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace vigil::test {

inline std::vector<uint8_t> from_hex(const std::string& h) {
  if (h.size() % 2) throw std::invalid_argument("odd hex");
  std::vector<uint8_t> out(h.size() / 2);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<uint8_t>(std::stoi(h.substr(2 * i, 2), nullptr, 16));
  return out;
}

inline std::string to_hex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += {d[p[i] >> 4], d[p[i] & 15]};
  return s;
}

inline nlohmann::json load_json(const std::string& name) {
  std::ifstream in(std::string(VIGIL_VECTORS_DIR) + "/" + name);
  if (!in) throw std::runtime_error("cannot open " + name);
  return nlohmann::json::parse(in);
}

struct SpeccheckCase {
  std::vector<uint8_t> pk, msg, sig;
};

inline std::vector<SpeccheckCase> speccheck_cases() {
  std::vector<SpeccheckCase> out;
  for (const auto& c : load_json("ed25519_speccheck_cases.json")) {
    out.push_back(
        {from_hex(c.at("pub_key")), from_hex(c.at("message")), from_hex(c.at("signature"))});
  }
  return out;
}

}  // namespace vigil::test
