// Fuzz target for what a server parses from an authenticated client: a
// request header, then its body. Any bytes give a status, never a crash or
// a read past the input; a body that parses re-encodes to the same bytes.
#include <cstdlib>
#include <cstring>

#include "host/service/wire.hpp"

using namespace vigil;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < sizeof(vigil_svc_request_hdr)) return 0;
  vigil_svc_request_hdr h;
  std::memcpy(&h, data, sizeof h);
  const std::span<const uint8_t> rest(data + sizeof h, size - sizeof h);
  service::Limits limits;
  limits.max_body = 1u << 16;
  const auto check = service::check_request_header(h, limits);
  if (check.status != VIGIL_OK || h.type != VIGIL_SVC_VERIFY) return 0;
  if (rest.size() < h.body_len) return 0;
  const auto body = rest.first(h.body_len);
  std::vector<crypto::VerifyItem> items;
  if (service::parse_verify_body(h.count, body, limits, items) != VIGIL_OK) return 0;
  if (items.size() != h.count) std::abort();
  std::vector<uint8_t> again;
  service::encode_verify_request(again, h.request_id, crypto::Rules(h.rules), items, h.deadline_us);
  if (again.size() != sizeof h + body.size()) std::abort();
  if (std::memcmp(again.data() + sizeof h, body.data(), body.size()) != 0) std::abort();
  return 0;
}
