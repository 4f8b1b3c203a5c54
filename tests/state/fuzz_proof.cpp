// libFuzzer target: the proof decoder accepts exactly its canonical encoding
// (what it accepts re-encodes to the same bytes) and never reads outside
// the input; verifying any decoded proof against a fixed root is total.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "host/state/smt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> in(data, data + size);
  auto p = vigil::state::decode_proof(in);
  if (!p) return 0;
  if (vigil::state::encode_proof(*p) != in) std::abort();
  vigil::state::Hash root{}, key{};
  root[0] = 1;
  key[31] = 7;
  (void)vigil::state::verify_proof(root, key, std::nullopt, *p);
  (void)vigil::state::verify_proof(root, key, std::vector<uint8_t>{1, 2, 3}, *p);
  return 0;
}
