// libFuzzer target: the frame parser must accept or drop any bytes with
// exactly one reason, never read outside them, and whatever it accepts must
// re-encode to the same bytes (up to the reserved flags word).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "host/ingest/frame.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A copy of exactly `size` bytes, so ASan sees any read past the end.
  std::vector<uint8_t> in(data, data + size);
  vigil::ingest::FrameView v;
  const vigil_error e = vigil::ingest::parse_frame(in, v);
  if (e != VIGIL_OK) {
    if (e < VIGIL_ERR_SHORT || e > VIGIL_ERR_OVERSIZED) std::abort();
    return 0;
  }
  if (size != vigil::ingest::frame_size(v.payload.size())) std::abort();
  if (v.payload.data() + v.payload.size() + VIGIL_TX_CRC_LEN != in.data() + size) std::abort();
  std::vector<uint8_t> out(size);
  const size_t n =
      vigil::ingest::encode_frame(std::span<const uint8_t, 32>(v.public_key, 32),
                                  std::span<const uint8_t, 64>(v.signature, 64), v.payload, out);
  if (n != size) std::abort();
  if (v.flags == 0 && std::memcmp(out.data(), in.data(), size) != 0) std::abort();
  return 0;
}
