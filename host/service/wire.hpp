// The service protocol (firmware-interface/vigil/fi/service.h) as bytes:
// encoders for both sides and the parsers a server and a client run on what
// the network hands them. Pure functions, no I/O: every parser takes any
// bytes and returns a status, never reads past its span (fuzz targets
// tests/service/fuzz_*.cpp).
#pragma once

#include <vigil/fi/contract.h>
#include <vigil/fi/service.h>

#include <array>
#include <bit>
#include <cstdint>
#include <span>
#include <vector>

#include "host/crypto/ed25519.hpp"

namespace vigil::service {

// The contract structs are copied to and from the wire as they lie in memory.
static_assert(std::endian::native == std::endian::little, "the wire is little-endian");

// What a server enforces and announces in its CAPS answer.
struct Limits {
  uint32_t max_batch = 16384;
  uint32_t max_msg_len = VIGIL_SVC_MAX_MSG_LEN;
  uint32_t max_body = 4u << 20;
  uint32_t max_in_flight = 64;  // requests per client
  uint32_t idle_timeout_ms = 60000;
};

// What to do with a request once its header is read.
struct HeaderCheck {
  vigil_error status = VIGIL_OK;  // VIGIL_OK: read the body and go on
  bool close = false;             // answer `status`, then close (cannot resync)
};
// Checks a request header against the limits before its body is read:
// a bad version or type, or a body over max_body, closes the connection;
// a count over max_batch or an unknown scheme or rule set is answered
// (after the body is skipped) and the connection goes on.
HeaderCheck check_request_header(const vigil_svc_request_hdr& h, const Limits& limits);

// Parses a VERIFY body into items pointing into `body`. VIGIL_OK, or
// MALFORMED when the items do not tile the body exactly, TOO_LARGE when a
// message is over max_msg_len.
vigil_error parse_verify_body(uint32_t count, std::span<const uint8_t> body, const Limits& limits,
                              std::vector<crypto::VerifyItem>& out);

// Bytes of a VERIFY body carrying `items`.
size_t verify_body_size(std::span<const crypto::VerifyItem> items);
// Appends a whole VERIFY request (header and body) to `out`.
void encode_verify_request(std::vector<uint8_t>& out, uint64_t request_id, crypto::Rules rules,
                           std::span<const crypto::VerifyItem> items, uint32_t deadline_us);
// Appends a request without a body (CAPS, PING).
void encode_empty_request(std::vector<uint8_t>& out, vigil_svc_type type, uint64_t request_id);

// Appends a response header with `body_len` bytes to follow.
void encode_response_hdr(std::vector<uint8_t>& out, uint8_t type, vigil_error status,
                         uint32_t count, uint64_t request_id, uint32_t body_len);
// Appends a whole VERIFY response: status VIGIL_OK with the verdicts.
void encode_verify_response(std::vector<uint8_t>& out, uint64_t request_id, uint32_t count,
                            std::span<const uint32_t> verdict, std::span<const uint8_t> errors);

// Checks a VERIFY response against the request it answers (count) and
// splits its body: VIGIL_OK with verdict words and error bytes filled, or
// MALFORMED when the body is not exactly what status and count imply.
vigil_error parse_verify_response(const vigil_svc_response_hdr& h, uint32_t count,
                                  std::span<const uint8_t> body, std::vector<uint32_t>& verdict,
                                  std::vector<uint8_t>& errors);
// A response header's own sanity: version, a known type, body_len within
// what a VERIFY answer of VIGIL_SVC_MAX_BATCH items may be.
bool response_header_ok(const vigil_svc_response_hdr& h);

// Handshake.
vigil_svc_hello make_hello(const crypto::PublicKey& server_key,
                           const std::array<uint8_t, VIGIL_SVC_CHALLENGE_LEN>& challenge);
// False when `bytes` is not a hello of this version.
bool parse_hello(std::span<const uint8_t> bytes, vigil_svc_hello& out);
// The bytes a client signs: domain || challenge || server_key.
std::array<uint8_t, VIGIL_SVC_AUTH_DOMAIN_LEN + VIGIL_SVC_CHALLENGE_LEN + 32> auth_message(
    const vigil_svc_hello& hello);
vigil_svc_auth make_auth(const crypto::Keypair& client, const vigil_svc_hello& hello);
// False when `bytes` is not an auth of this version.
bool parse_auth(std::span<const uint8_t> bytes, vigil_svc_auth& out);
// True when the auth's proof verifies (strict rules) against `hello`. A
// server checks the allowlist first, so an unknown key costs no verify.
bool auth_proof_ok(const vigil_svc_auth& auth, const vigil_svc_hello& hello);

vigil_svc_caps make_caps(const Limits& limits, uint64_t caps, std::string_view engine);

}  // namespace vigil::service
