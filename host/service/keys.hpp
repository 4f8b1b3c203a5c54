// Key files of the service: the node's or client's own key (one line as
// `vigil keygen` writes it) and the server's allowlist of client keys.
// Parsers return a reason naming the line, never throw.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "host/crypto/ed25519.hpp"

namespace vigil::service {

// Parses {"seed":hex,"pk":hex}; the pk must be the seed's. "" on success.
std::string parse_key_line(std::string_view line, crypto::Keypair& out);
// Reads the first line of `path` as a key line; "" or "PATH: reason".
std::string load_key_file(const std::string& path, crypto::Keypair& out);

// A client's quota: signatures per second (0: unlimited) and requests in
// flight (0: the server's max_in_flight).
struct Quota {
  uint64_t sigs_per_sec = 0;
  uint32_t in_flight = 0;
  bool operator==(const Quota&) const = default;
};

// Client key -> quota, in key order.
using Allowlist = std::map<crypto::PublicKey, Quota>;

// One entry per line: `HEX_KEY [SIGS_PER_SEC [IN_FLIGHT]]`; blank lines
// and lines starting with '#' are skipped. Any other line, or a key listed
// twice, is an error "NAME line N: reason". "" on success.
std::string parse_allowlist(std::string_view text, std::string_view name, Allowlist& out);
std::string load_allowlist(const std::string& path, Allowlist& out);

// The first 16 hex digits of a key: its label in logs and metrics.
std::string key_label(const crypto::PublicKey& key);

}  // namespace vigil::service
