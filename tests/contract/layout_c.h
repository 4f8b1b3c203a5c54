/* Sizes of every contract struct as each dialect's compiler lays it out, in
 * layout_list.h order. Each returns how many structs there are. */
#ifndef VIGIL_TESTS_LAYOUT_C_H
#define VIGIL_TESTS_LAYOUT_C_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

size_t vigil_layout_sizes_c(size_t* out, size_t cap);
size_t vigil_layout_sizes_cuda(size_t* out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
