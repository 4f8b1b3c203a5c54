// Fuzz target for the signed-message JSON-line parser: any bytes give either
// a reason or a parsed line, never a crash; a parsed line re-serialised
// parses again to the same bytes.
#include <cstdlib>
#include <string>

#include "host/crypto/sig_jsonl.hpp"

using namespace vigil::crypto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  SigLine parsed;
  const std::string reason = parse_sig_line(line, parsed);
  if (!reason.empty()) return 0;
  const std::string again = "{\"pk\":\"" + to_hex(parsed.pk.data(), 32) + "\",\"msg\":\"" +
                            to_hex(parsed.msg.data(), parsed.msg.size()) + "\",\"sig\":\"" +
                            to_hex(parsed.sig.data(), 64) + "\"}";
  SigLine second;
  if (!parse_sig_line(again, second).empty()) std::abort();
  if (second.pk != parsed.pk || second.sig != parsed.sig || second.msg != parsed.msg) std::abort();
  return 0;
}
