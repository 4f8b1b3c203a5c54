// libFuzzer target: the state page decoder (format vigil-ledger/3) accepts
// exactly its canonical encoding (what it accepts re-encodes to the same
// bytes) and never reads outside the input; what it accepts packs and
// unpacks to the same nodes, each readable straight from the packed form.
// The first byte of an input picks the page's depth (a multiple of 4), the
// next 8 its version (LE); the rest is the record.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "host/state/smt.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::state;
  if (size < 9) return 0;
  NodeKey page;
  page.depth = uint16_t(data[0] % (kKeyBits / kPageLevels + 1) * kPageLevels);
  for (int i = 0; i < 8; ++i) page.version |= uint64_t(data[1 + i]) << (8 * i);
  std::vector<uint8_t> in(data + 9, data + size);
  auto nodes = decode_page(page, in);
  if (!nodes) return 0;
  if (encode_page(*nodes) != in) std::abort();
  const Bytes packed = pack_page(*nodes);
  if (unpack_page(page, packed) != nodes) std::abort();
  for (const auto& [k, n] : *nodes)
    if (node_in_packed_page(page, packed, k) != n) std::abort();
  return 0;
}
