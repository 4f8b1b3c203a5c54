// The contract headers compile as C11, C++20, CUDA (nvcc, at build time) and
// OpenCL C (PoCL's clBuildProgram, here), and every dialect lays out every
// struct with the same size.
#include <gtest/gtest.h>
#include <vigil/fi/contract.h>

#include <array>
#include <string>
#include <vector>

#include "layout_c.h"

#if VIGIL_TEST_OPENCL
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#endif

namespace {

std::vector<size_t> cxx_sizes() {
  std::vector<size_t> v;
#define VIGIL_LAYOUT(t) v.push_back(sizeof(t));
#include "layout_list.h"
#undef VIGIL_LAYOUT
  return v;
}

TEST(Contract, CxxSizesMatchTheWireSizes) {
  EXPECT_EQ(sizeof(vigil_tx_frame_ed25519), 104u);
  EXPECT_EQ(VIGIL_TX_FRAME_MAX, 104 + 1024 + 4);
  EXPECT_EQ(sizeof(vigil_block_hdr), 128u);
  EXPECT_EQ(sizeof(vigil_batch_desc), 48u);
  EXPECT_EQ(VIGIL_VERDICT_WORDS(33u), 2u);
}

TEST(Contract, C11LayoutEqualsCxx) {
  std::array<size_t, 64> c{};
  size_t n = vigil_layout_sizes_c(c.data(), c.size());
  auto cxx = cxx_sizes();
  ASSERT_EQ(n, cxx.size());
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(c[i], cxx[i]) << "struct #" << i;
}

#if VIGIL_TEST_CUDA
TEST(Contract, CudaLayoutEqualsCxx) {
  std::array<size_t, 64> c{};
  size_t n = vigil_layout_sizes_cuda(c.data(), c.size());
  auto cxx = cxx_sizes();
  ASSERT_EQ(n, cxx.size());
  for (size_t i = 0; i < n; ++i) EXPECT_EQ(c[i], cxx[i]) << "struct #" << i;
}
#endif

#if VIGIL_TEST_OPENCL
const char* kLayoutKernel = R"CL(
#include <vigil/fi/contract.h>
__kernel void layout_sizes(__global ulong* out) {
  uint n = 0;
#define VIGIL_LAYOUT(t) out[n++] = sizeof(t);
#include "layout_list.h"
}
)CL";

TEST(Contract, OpenClLayoutEqualsCxx) {
  cl_uint nplat = 0;
  if (clGetPlatformIDs(0, nullptr, &nplat) != CL_SUCCESS || nplat == 0)
    GTEST_SKIP() << "no OpenCL platform (install pocl-opencl-icd)";
  std::vector<cl_platform_id> plats(nplat);
  clGetPlatformIDs(nplat, plats.data(), nullptr);
  cl_device_id dev = nullptr;
  for (auto p : plats)
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 1, &dev, nullptr) == CL_SUCCESS) break;
  if (!dev) GTEST_SKIP() << "no OpenCL device";

  cl_int err = 0;
  cl_context ctx = clCreateContext(nullptr, 1, &dev, nullptr, nullptr, &err);
  ASSERT_EQ(err, CL_SUCCESS);
  cl_program prog = clCreateProgramWithSource(ctx, 1, &kLayoutKernel, nullptr, &err);
  ASSERT_EQ(err, CL_SUCCESS);
  std::string opts = std::string("-I ") + VIGIL_SOURCE_DIR + "/firmware-interface -I " +
                     VIGIL_SOURCE_DIR + "/tests/contract";
  err = clBuildProgram(prog, 1, &dev, opts.c_str(), nullptr, nullptr);
  if (err != CL_SUCCESS) {
    size_t len = 0;
    clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, 0, nullptr, &len);
    std::string log(len, '\0');
    clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, len, log.data(), nullptr);
    FAIL() << "OpenCL C build failed:\n" << log;
  }
  cl_kernel k = clCreateKernel(prog, "layout_sizes", &err);
  ASSERT_EQ(err, CL_SUCCESS);
  auto cxx = cxx_sizes();
  std::vector<cl_ulong> out(cxx.size(), 0);
  cl_mem buf = clCreateBuffer(ctx, CL_MEM_WRITE_ONLY, out.size() * sizeof(cl_ulong), nullptr, &err);
  ASSERT_EQ(err, CL_SUCCESS);
  cl_command_queue q = clCreateCommandQueue(ctx, dev, 0, &err);
  ASSERT_EQ(err, CL_SUCCESS);
  clSetKernelArg(k, 0, sizeof(buf), &buf);
  size_t one = 1;
  ASSERT_EQ(clEnqueueNDRangeKernel(q, k, 1, nullptr, &one, nullptr, 0, nullptr, nullptr),
            CL_SUCCESS);
  ASSERT_EQ(clEnqueueReadBuffer(q, buf, CL_TRUE, 0, out.size() * sizeof(cl_ulong), out.data(), 0,
                                nullptr, nullptr),
            CL_SUCCESS);
  for (size_t i = 0; i < cxx.size(); ++i) EXPECT_EQ(out[i], cxx[i]) << "struct #" << i;
  clReleaseCommandQueue(q);
  clReleaseMemObject(buf);
  clReleaseKernel(k);
  clReleaseProgram(prog);
  clReleaseContext(ctx);
}
#endif

}  // namespace
