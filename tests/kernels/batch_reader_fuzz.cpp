// Fuzzes the kernels' batch reader (vk_verify_batch_item, host dialect):
// any bytes as a batch buffer. Whatever the descriptor says, no read leaves
// the buffer (ASan), every item gets an error byte, and the verdict bit is
// set exactly for VIGIL_OK.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/vigil_kernels.cl"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The exact size, so ASan sees any overread; 8-byte aligned as devices are.
  std::vector<uint64_t> words((size + 7) / 8 + 1);
  uint8_t* buf = reinterpret_cast<uint8_t*>(words.data());
  if (size) std::memcpy(buf, data, size);
  std::vector<uint8_t> exact(buf, buf + size);
  const uint8_t* b = exact.empty() ? buf : exact.data();
  uint32_t count = 4;  // items tried: a few, since each verify is costly under ASan
  if (size >= sizeof(vigil_batch_desc)) {
    vigil_batch_desc d;
    std::memcpy(&d, b, sizeof d);
    if (d.count < count) count = d.count + 1;  // one past the end too
  }
  std::vector<uint32_t> verdict(1, 0);
  std::vector<uint8_t> errors(count, 0xee);
  for (uint32_t i = 0; i < count; ++i) {
    vk_verify_batch_item(b, size, verdict.data(), errors.data(), i);
    if (errors[i] == 0xee) __builtin_trap();
    if (((verdict[0] >> i) & 1) != (errors[i] == VIGIL_OK)) __builtin_trap();
  }
  return 0;
}
