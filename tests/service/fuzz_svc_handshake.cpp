// Fuzz target for the handshake and for what a client parses from a
// server: hello, auth and VERIFY responses. Any bytes give a refusal, never
// a crash; a response that parses has a verdict bit set exactly where its
// error byte is VIGIL_OK, and never a bit past its count.
#include <cstdlib>
#include <cstring>

#include "host/service/wire.hpp"

using namespace vigil;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> in(data, size);
  vigil_svc_hello hello;
  vigil_svc_auth auth;
  if (size >= sizeof hello) service::parse_hello(in.first(sizeof hello), hello);
  if (size >= sizeof auth && service::parse_auth(in.first(sizeof auth), auth)) {
    // A proof from fuzz bytes over a fixed hello: refused, unless the
    // fuzzer forged Ed25519.
    const auto h = service::make_hello({}, {});
    if (service::auth_proof_ok(auth, h)) std::abort();
  }
  if (size < sizeof(vigil_svc_response_hdr) + 4) return 0;
  vigil_svc_response_hdr r;
  std::memcpy(&r, data, sizeof r);
  uint32_t count;
  std::memcpy(&count, data + sizeof r, 4);
  count %= 4096;
  if (!service::response_header_ok(r)) return 0;
  const auto body = in.subspan(sizeof r + 4);
  std::vector<uint32_t> verdict;
  std::vector<uint8_t> errors;
  if (service::parse_verify_response(r, count, body, verdict, errors) != VIGIL_OK) return 0;
  if (r.status != VIGIL_OK) return 0;
  if (errors.size() != count || verdict.size() != VIGIL_SVC_VERDICT_WORDS(count)) std::abort();
  for (uint32_t i = 0; i < count; ++i)
    if (bool((verdict[i / 32] >> (i % 32)) & 1) != (errors[i] == VIGIL_OK)) std::abort();
  return 0;
}
