// libFuzzer target for the consensus message parser: any input must either
// be rejected with a reason or decode to a message that re-encodes to the
// same bytes (one canonical encoding); nothing may read out of bounds.
#include <cstdlib>

#include "host/consensus/wire.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil::consensus;
  Message m;
  ParseError err = decode(ByteView{data, size}, m);
  if (err != ParseError::ok) {
    if (parse_error_name(err) == "unknown") std::abort();
    return 0;
  }
  Bytes again = encode(m);
  if (again.size() != size || !std::equal(again.begin(), again.end(), data)) std::abort();
  return 0;
}
