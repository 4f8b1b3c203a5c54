// The contract compiled by nvcc: the static asserts run in both the host and
// the device pass; the kernel makes the device pass see every struct.
#include <vigil/fi/contract.h>

#include "layout_c.h"

__global__ void vigil_layout_kernel(unsigned long long* out) {
  unsigned n = 0;
#define VIGIL_LAYOUT(t) out[n++] = sizeof(t);
#include "layout_list.h"
#undef VIGIL_LAYOUT
}

extern "C" size_t vigil_layout_sizes_cuda(size_t* out, size_t cap) {
  size_t n = 0;
#define VIGIL_LAYOUT(t)            \
  if (n < cap) out[n] = sizeof(t); \
  ++n;
#include "layout_list.h"
#undef VIGIL_LAYOUT
  return n;
}
