#include "host/service/wire.hpp"

#include <algorithm>
#include <cstring>

namespace vigil::service {
namespace {

template <typename T>
void append(std::vector<uint8_t>& out, const T& v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

bool known_rules(uint8_t r) {
  return r == VIGIL_RULES_STRICT || r == VIGIL_RULES_ZIP215;
}

}  // namespace

HeaderCheck check_request_header(const vigil_svc_request_hdr& h, const Limits& limits) {
  if (h.version != VIGIL_WIRE_VERSION) return {VIGIL_ERR_UNKNOWN_VERSION, true};
  if (h.body_len > limits.max_body) return {VIGIL_ERR_TOO_LARGE, true};
  switch (h.type) {
    case VIGIL_SVC_CAPS:
    case VIGIL_SVC_PING:
      if (h.count != 0 || h.body_len != 0) return {VIGIL_ERR_MALFORMED, true};
      return {};
    case VIGIL_SVC_VERIFY:
      // The smallest item is its fixed part: a count the body cannot hold
      // is a framing error, not a size the client may retry smaller.
      if (uint64_t(h.count) * sizeof(vigil_svc_item) > h.body_len)
        return {VIGIL_ERR_MALFORMED, true};
      if (h.count == 0) return {VIGIL_ERR_MALFORMED, true};
      if (h.count > limits.max_batch) return {VIGIL_ERR_TOO_LARGE, false};
      if (h.scheme != VIGIL_SCHEME_ED25519) return {VIGIL_ERR_BAD_SCHEME, false};
      if (!known_rules(h.rules)) return {VIGIL_ERR_BAD_RULES, false};
      return {};
    default:
      return {VIGIL_ERR_MALFORMED, true};
  }
}

vigil_error parse_verify_body(uint32_t count, std::span<const uint8_t> body, const Limits& limits,
                              std::vector<crypto::VerifyItem>& out) {
  out.clear();
  size_t at = 0;
  bool too_long = false;
  for (uint32_t i = 0; i < count; ++i) {
    if (body.size() - at < sizeof(vigil_svc_item)) return VIGIL_ERR_MALFORMED;
    const uint8_t* item = body.data() + at;
    uint32_t msg_len;
    std::memcpy(&msg_len, item + offsetof(vigil_svc_item, msg_len), 4);
    at += sizeof(vigil_svc_item);
    if (body.size() - at < msg_len) return VIGIL_ERR_MALFORMED;
    too_long |= msg_len > limits.max_msg_len;
    out.push_back({item + offsetof(vigil_svc_item, pubkey),
                   item + offsetof(vigil_svc_item, signature), body.subspan(at, msg_len)});
    at += msg_len;
  }
  if (at != body.size()) return VIGIL_ERR_MALFORMED;
  return too_long ? VIGIL_ERR_TOO_LARGE : VIGIL_OK;
}

size_t verify_body_size(std::span<const crypto::VerifyItem> items) {
  size_t n = 0;
  for (const auto& it : items) n += sizeof(vigil_svc_item) + it.message.size();
  return n;
}

void encode_verify_request(std::vector<uint8_t>& out, uint64_t request_id, crypto::Rules rules,
                           std::span<const crypto::VerifyItem> items, uint32_t deadline_us) {
  vigil_svc_request_hdr h{};
  h.version = VIGIL_WIRE_VERSION;
  h.type = VIGIL_SVC_VERIFY;
  h.scheme = VIGIL_SCHEME_ED25519;
  h.rules = uint8_t(rules);
  h.count = uint32_t(items.size());
  h.request_id = request_id;
  h.body_len = uint32_t(verify_body_size(items));
  h.deadline_us = deadline_us;
  out.reserve(out.size() + sizeof(h) + h.body_len);
  append(out, h);
  for (const auto& it : items) {
    vigil_svc_item item;
    std::memcpy(item.pubkey, it.public_key, sizeof(item.pubkey));
    std::memcpy(item.signature, it.signature, sizeof(item.signature));
    item.msg_len = uint32_t(it.message.size());
    append(out, item);
    out.insert(out.end(), it.message.begin(), it.message.end());
  }
}

void encode_empty_request(std::vector<uint8_t>& out, vigil_svc_type type, uint64_t request_id) {
  vigil_svc_request_hdr h{};
  h.version = VIGIL_WIRE_VERSION;
  h.type = uint8_t(type);
  h.request_id = request_id;
  append(out, h);
}

void encode_response_hdr(std::vector<uint8_t>& out, uint8_t type, vigil_error status,
                         uint32_t count, uint64_t request_id, uint32_t body_len) {
  vigil_svc_response_hdr h{};
  h.version = VIGIL_WIRE_VERSION;
  h.type = type;
  h.status = uint8_t(status);
  h.count = count;
  h.request_id = request_id;
  h.body_len = body_len;
  append(out, h);
}

void encode_verify_response(std::vector<uint8_t>& out, uint64_t request_id, uint32_t count,
                            std::span<const uint32_t> verdict, std::span<const uint8_t> errors) {
  const uint32_t body = VIGIL_SVC_VERDICT_WORDS(count) * 4 + count;
  encode_response_hdr(out, VIGIL_SVC_VERIFY, VIGIL_OK, count, request_id, body);
  const auto* v = reinterpret_cast<const uint8_t*>(verdict.data());
  out.insert(out.end(), v, v + VIGIL_SVC_VERDICT_WORDS(count) * 4);
  out.insert(out.end(), errors.begin(), errors.begin() + count);
}

bool response_header_ok(const vigil_svc_response_hdr& h) {
  if (h.version != VIGIL_WIRE_VERSION) return false;
  if (h.type < VIGIL_SVC_VERIFY || h.type > VIGIL_SVC_AUTH) return false;
  const uint32_t most = VIGIL_SVC_VERDICT_WORDS(VIGIL_SVC_MAX_BATCH) * 4 + VIGIL_SVC_MAX_BATCH;
  return h.body_len <= most;
}

vigil_error parse_verify_response(const vigil_svc_response_hdr& h, uint32_t count,
                                  std::span<const uint8_t> body, std::vector<uint32_t>& verdict,
                                  std::vector<uint8_t>& errors) {
  if (h.type != VIGIL_SVC_VERIFY || h.count != count) return VIGIL_ERR_MALFORMED;
  if (h.status != VIGIL_OK) return body.empty() ? VIGIL_OK : VIGIL_ERR_MALFORMED;
  const size_t words = VIGIL_SVC_VERDICT_WORDS(count);
  if (body.size() != words * 4 + count) return VIGIL_ERR_MALFORMED;
  verdict.resize(words);
  std::memcpy(verdict.data(), body.data(), words * 4);
  // Bits past count are not verdicts: a server that sets them is broken.
  if (count % 32 && (verdict.back() >> (count % 32))) return VIGIL_ERR_MALFORMED;
  errors.assign(body.begin() + words * 4, body.end());
  for (uint32_t i = 0; i < count; ++i) {
    const bool ok = (verdict[i / 32] >> (i % 32)) & 1;
    if (ok != (errors[i] == VIGIL_OK)) return VIGIL_ERR_MALFORMED;
  }
  return VIGIL_OK;
}

vigil_svc_hello make_hello(const crypto::PublicKey& server_key,
                           const std::array<uint8_t, VIGIL_SVC_CHALLENGE_LEN>& challenge) {
  vigil_svc_hello h{};
  std::memcpy(h.magic, VIGIL_SVC_MAGIC_HELLO, 4);
  h.version = VIGIL_WIRE_VERSION;
  std::copy(server_key.begin(), server_key.end(), h.server_key);
  std::copy(challenge.begin(), challenge.end(), h.challenge);
  return h;
}

bool parse_hello(std::span<const uint8_t> bytes, vigil_svc_hello& out) {
  if (bytes.size() != sizeof(out)) return false;
  std::memcpy(&out, bytes.data(), sizeof(out));
  return std::memcmp(out.magic, VIGIL_SVC_MAGIC_HELLO, 4) == 0 && out.version == VIGIL_WIRE_VERSION;
}

std::array<uint8_t, VIGIL_SVC_AUTH_DOMAIN_LEN + VIGIL_SVC_CHALLENGE_LEN + 32> auth_message(
    const vigil_svc_hello& hello) {
  std::array<uint8_t, VIGIL_SVC_AUTH_DOMAIN_LEN + VIGIL_SVC_CHALLENGE_LEN + 32> m{};
  std::memcpy(m.data(), VIGIL_SVC_AUTH_DOMAIN, VIGIL_SVC_AUTH_DOMAIN_LEN);
  std::memcpy(m.data() + VIGIL_SVC_AUTH_DOMAIN_LEN, hello.challenge, VIGIL_SVC_CHALLENGE_LEN);
  std::memcpy(m.data() + VIGIL_SVC_AUTH_DOMAIN_LEN + VIGIL_SVC_CHALLENGE_LEN, hello.server_key, 32);
  return m;
}

vigil_svc_auth make_auth(const crypto::Keypair& client, const vigil_svc_hello& hello) {
  vigil_svc_auth a{};
  std::memcpy(a.magic, VIGIL_SVC_MAGIC_AUTH, 4);
  a.version = VIGIL_WIRE_VERSION;
  std::copy(client.public_key.begin(), client.public_key.end(), a.client_key);
  const auto msg = auth_message(hello);
  const auto sig = crypto::sign(client, msg);
  std::copy(sig.begin(), sig.end(), a.proof);
  return a;
}

bool parse_auth(std::span<const uint8_t> bytes, vigil_svc_auth& out) {
  if (bytes.size() != sizeof(out)) return false;
  std::memcpy(&out, bytes.data(), sizeof(out));
  return std::memcmp(out.magic, VIGIL_SVC_MAGIC_AUTH, 4) == 0 && out.version == VIGIL_WIRE_VERSION;
}

bool auth_proof_ok(const vigil_svc_auth& auth, const vigil_svc_hello& hello) {
  const auto msg = auth_message(hello);
  return crypto::verify({auth.client_key, auth.proof, msg}, crypto::Rules::strict) == VIGIL_OK;
}

vigil_svc_caps make_caps(const Limits& limits, uint64_t caps, std::string_view engine) {
  vigil_svc_caps c{};
  c.caps = caps;
  c.max_batch = limits.max_batch;
  c.max_msg_len = limits.max_msg_len;
  c.protocol_major = VIGIL_PROTOCOL_VERSION_MAJOR;
  c.protocol_minor = VIGIL_PROTOCOL_VERSION_MINOR;
  c.max_in_flight = limits.max_in_flight;
  c.max_body = limits.max_body;
  c.idle_timeout_ms = limits.idle_timeout_ms;
  std::memcpy(c.engine, engine.data(), std::min(engine.size(), sizeof(c.engine) - 1));
  return c;
}

}  // namespace vigil::service
