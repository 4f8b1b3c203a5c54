// libFuzzer target: the payload decoders accept exactly their canonical
// encodings (what they accept re-encodes to the same bytes), and executing
// any bytes as a block's frames yields one receipt per frame and never fails.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "host/consensus/wire.hpp"
#include "host/execution/executor.hpp"

namespace {
class Empty final : public vigil::execution::StateReader {
 public:
  std::optional<vigil::execution::Bytes> get(const vigil::execution::Hash&) const override {
    return std::nullopt;
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::execution;
  std::vector<uint8_t> in(data, data + size);
  if (auto t = decode_transfer(in); t && encode_transfer(*t) != in) std::abort();
  if (auto g = decode_governance(in); g && encode_governance(*g) != in) std::abort();
  Empty state;
  std::vector<uint8_t> valid(vigil::consensus::split_frames(in).size(), 1);
  BlockOutput o = execute(state, {in, 0, valid});
  if (o.receipts.size() != valid.size()) std::abort();
  return 0;
}
