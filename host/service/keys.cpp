#include "host/service/keys.hpp"

#include <charconv>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "host/crypto/sig_jsonl.hpp"

namespace vigil::service {
namespace {

template <size_t N>
bool hex_to(std::string_view hex, std::array<uint8_t, N>& out) {
  std::vector<uint8_t> bytes;
  if (!crypto::from_hex(hex, bytes) || bytes.size() != N) return false;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return true;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::string parse_key_line(std::string_view line, crypto::Keypair& out) {
  const auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "not a JSON key line";
  if (!j.contains("seed") || !j["seed"].is_string()) return "no \"seed\"";
  crypto::Seed seed;
  if (!hex_to(j["seed"].get<std::string>(), seed)) return "\"seed\" must be 32 bytes of hex";
  out = crypto::keypair_from_seed(seed);
  if (j.contains("pk")) {
    crypto::PublicKey pk;
    if (!j["pk"].is_string() || !hex_to(j["pk"].get<std::string>(), pk))
      return "\"pk\" must be 32 bytes of hex";
    if (pk != out.public_key) return "\"pk\" is not the seed's key";
  }
  return "";
}

std::string load_key_file(const std::string& path, crypto::Keypair& out) {
  std::string text;
  if (!read_file(path, text)) return path + ": cannot read";
  const std::string why = parse_key_line(text.substr(0, text.find('\n')), out);
  return why.empty() ? "" : path + ": " + why;
}

std::string parse_allowlist(std::string_view text, std::string_view name, Allowlist& out) {
  out.clear();
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::vector<std::string_view> fields;
    for (size_t at = 0; at < line.size();) {
      const size_t start = line.find_first_not_of(" \t", at);
      if (start == std::string_view::npos) break;
      const size_t end = std::min(line.find_first_of(" \t", start), line.size());
      fields.push_back(line.substr(start, end - start));
      at = end;
    }
    if (fields.empty() || fields[0][0] == '#') continue;
    auto fail = [&](const std::string& why) {
      return std::string(name) + " line " + std::to_string(line_no) + ": " + why;
    };
    crypto::PublicKey key;
    if (!hex_to(fields[0], key)) return fail("a client key is 64 hex digits");
    if (fields.size() > 3) return fail("expected KEY [SIGS_PER_SEC [IN_FLIGHT]]");
    Quota q;
    if (fields.size() > 1 && !parse_number(fields[1], q.sigs_per_sec))
      return fail("signatures per second must be a number");
    if (fields.size() > 2 && !parse_number(fields[2], q.in_flight))
      return fail("requests in flight must be a number");
    if (!out.emplace(key, q).second) return fail("key listed twice");
  }
  return "";
}

std::string load_allowlist(const std::string& path, Allowlist& out) {
  std::string text;
  if (!read_file(path, text)) return path + ": cannot read";
  return parse_allowlist(text, path, out);
}

std::string key_label(const crypto::PublicKey& key) {
  return crypto::to_hex(key.data(), 8);
}

}  // namespace vigil::service
