/* The vendor header: the one place where the kernel dialect meets OpenCL C
 * 1.2, CUDA and host C/C++. Every other kernel file is written against these
 * names only, so one source builds for PoCL, NVIDIA/AMD OpenCL, nvcc and the
 * host (where the test suite calls the same functions directly).
 *
 *   VK_KERNEL        entry point of a launch
 *   VK_DEVICE        a helper function (device code in CUDA)
 *   VK_NOINLINE      on a large helper called from loops (the group
 *                    operations): a call in CUDA, so nvcc does not inline
 *                    thousands of field multiplications into one function
 *                    (cicc crashes on fe25's, and ptxas time grows past
 *                    linear); nothing elsewhere
 *   VK_GLOBAL        address space of every pointer into a batch buffer,
 *                    helper parameters included (OpenCL has no generic one)
 *   VK_CONST_DECL    a program-scope constant table
 *   vk_mulhi64(a,b)  high 64 bits of the 128-bit product: no 128-bit integer
 *                    type exists in GPU OpenCL, so kernels never name one
 *   vk_atomic_or     32-bit atomic or on a global word (verdict bitmaps)
 *   vk_global_id()   index of this work-item / thread
 *   vk_count_op(op)  tallies a field operation where the host build asks for
 *                    it (VK_OP_COUNTS, kernels/budget/op_counts.cpp); nothing
 *                    anywhere else */
#ifndef VIGIL_KERNELS_VENDOR_H
#define VIGIL_KERNELS_VENDOR_H

#include <vigil/fi/types.h>

#if defined(__OPENCL_VERSION__)
#define VK_KERNEL __kernel
#define VK_DEVICE static inline
#define VK_NOINLINE
#define VK_GLOBAL __global
#define VK_CONST_DECL __constant
#define vk_mulhi64(a, b) mul_hi((ulong)(a), (ulong)(b))
#define vk_atomic_or(p, v) atomic_or((p), (v))
#define vk_global_id() ((vigil_u32)get_global_id(0))
#elif defined(__CUDACC__)
#define VK_KERNEL extern "C" __global__
#define VK_DEVICE static __device__
#define VK_NOINLINE __noinline__
#define VK_GLOBAL
#define VK_CONST_DECL static __constant__ const
#define vk_mulhi64(a, b) ((vigil_u64)__umul64hi((unsigned long long)(a), (unsigned long long)(b)))
#define vk_atomic_or(p, v) atomicOr((unsigned int*)(p), (unsigned int)(v))
#define vk_global_id() ((vigil_u32)(blockIdx.x * blockDim.x + threadIdx.x))
#else
/* Host C/C++: the kernel code as ordinary functions, for tests and tools.
 * Only this branch may use a compiler's 128-bit type. */
#define VK_HOST 1
#define VK_KERNEL static inline
#define VK_DEVICE static inline
#define VK_NOINLINE
#define VK_GLOBAL
#define VK_CONST_DECL static const
static inline vigil_u64 vk_mulhi64(vigil_u64 a, vigil_u64 b) {
  return (vigil_u64)(((unsigned __int128)a * b) >> 64);
}
#if defined(__cplusplus)
#include <atomic>
static inline void vk_atomic_or(vigil_u32* p, vigil_u32 v) {
  std::atomic_ref<vigil_u32>(*p).fetch_or(v, std::memory_order_relaxed);
}
#else
#define vk_atomic_or(p, v) __atomic_fetch_or((p), (v), __ATOMIC_RELAXED)
#endif
#endif

#if defined(VK_HOST) && defined(VK_OP_COUNTS)
#define vk_count_op(op) (++vk_op_counts.op)
#else
#define vk_count_op(op) ((void)0)
#endif

#endif /* VIGIL_KERNELS_VENDOR_H */
