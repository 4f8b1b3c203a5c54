/* Fixed-width types and compile-time checks for every dialect the contract
 * compiles as: C11, C++20, CUDA and OpenCL C 1.2. All multi-byte fields are
 * little-endian on the wire; every struct is laid out with explicit padding
 * so no packing pragma is needed, and its size and offsets are asserted. */
#ifndef VIGIL_FI_TYPES_H
#define VIGIL_FI_TYPES_H

#if defined(__OPENCL_VERSION__)
typedef uchar vigil_u8;
typedef ushort vigil_u16;
typedef uint vigil_u32;
typedef ulong vigil_u64;
#define VIGIL_OFFSETOF(t, m) __builtin_offsetof(t, m)
/* OpenCL C 1.2 is C99: no _Static_assert, so a negative array size fails. */
#define VIGIL_FI_CAT2(a, b) a##b
#define VIGIL_FI_CAT(a, b) VIGIL_FI_CAT2(a, b)
#define VIGIL_STATIC_ASSERT(cond, msg) \
  typedef char VIGIL_FI_CAT(vigil_static_assert_, __LINE__)[(cond) ? 1 : -1]
#else
#include <stddef.h>
#include <stdint.h>
typedef uint8_t vigil_u8;
typedef uint16_t vigil_u16;
typedef uint32_t vigil_u32;
typedef uint64_t vigil_u64;
#define VIGIL_OFFSETOF(t, m) offsetof(t, m)
#if defined(__cplusplus)
#define VIGIL_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define VIGIL_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif
#endif

#define VIGIL_ASSERT_SIZE(t, n) VIGIL_STATIC_ASSERT(sizeof(t) == (n), #t " size")
#define VIGIL_ASSERT_OFFSET(t, m, n) \
  VIGIL_STATIC_ASSERT(VIGIL_OFFSETOF(t, m) == (n), #t "." #m " offset")

#endif /* VIGIL_FI_TYPES_H */
