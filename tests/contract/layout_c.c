/* The contract compiled as C11: sizes as this dialect sees them. */
#include "layout_c.h"

#include <vigil/fi/contract.h>

size_t vigil_layout_sizes_c(size_t* out, size_t cap) {
  size_t n = 0;
#define VIGIL_LAYOUT(t)            \
  if (n < cap) out[n] = sizeof(t); \
  ++n;
#include "layout_list.h"
#undef VIGIL_LAYOUT
  return n;
}
