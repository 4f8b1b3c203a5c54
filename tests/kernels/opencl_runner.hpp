// Runs the kernels on an OpenCL device for the tests: PoCL's CPU device by
// default (every CI run), or the device $VIGIL_TEST_OPENCL_DEVICE names,
// built with the field representation the caller names.
#pragma once

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "drivers/accel/batch_buffer.hpp"
#include "kernels/opencl_program.hpp"

namespace vigil::test {

class OpenClRunner {
 public:
  explicit OpenClRunner(kernels::Field field = kernels::Field::fe51) {
    const char* want_env = std::getenv("VIGIL_TEST_OPENCL_DEVICE");
    std::string want = want_env ? want_env : "pthread";
    cl_uint np = 0;
    if (clGetPlatformIDs(0, nullptr, &np) != CL_SUCCESS || np == 0) {
      why_ = "no OpenCL platform (install pocl-opencl-icd)";
      return;
    }
    std::vector<cl_platform_id> plats(np);
    clGetPlatformIDs(np, plats.data(), nullptr);
    for (auto p : plats) {
      cl_uint nd = 0;
      if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, nullptr, &nd) != CL_SUCCESS) continue;
      std::vector<cl_device_id> devs(nd);
      clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, nd, devs.data(), nullptr);
      for (auto d : devs)
        if (!dev_ && kernels::opencl_device_name(d).find(want) != std::string::npos) dev_ = d;
    }
    if (!dev_) {
      why_ = "no OpenCL device named like '" + want + "'";
      return;
    }
    cl_int err = 0;
    ctx_ = clCreateContext(nullptr, 1, &dev_, nullptr, nullptr, &err);
    queue_ = clCreateCommandQueue(ctx_, dev_, 0, &err);
    auto built = kernels::build_opencl_program(ctx_, dev_, VIGIL_TEST_CACHE_DIR, field);
    prog_ = built.program;
    if (!prog_) why_ = built.error;
  }
  ~OpenClRunner() {
    if (prog_) clReleaseProgram(prog_);
    if (queue_) clReleaseCommandQueue(queue_);
    if (ctx_) clReleaseContext(ctx_);
  }
  bool ready() const { return prog_ != nullptr; }
  const std::string& why() const { return why_; }

  // Runs vigil_ed25519_verify on a sealed batch; returns the error bytes,
  // fills verdict words.
  std::vector<uint8_t> verify(const accel::BatchBuffer& b, std::vector<uint32_t>& verdict) {
    const uint32_t n = b.count();
    verdict.assign(VIGIL_VERDICT_WORDS(n) + 1, 0);
    std::vector<uint8_t> errors(n + 1, 0xee);
    cl_mem in = buffer(b.bytes().data(), b.bytes().size());
    cl_mem v = buffer(verdict.data(), verdict.size() * 4);
    cl_mem e = buffer(errors.data(), errors.size());
    cl_kernel k = clCreateKernel(prog_, "vigil_ed25519_verify", nullptr);
    const cl_ulong size = b.bytes().size();
    clSetKernelArg(k, 0, sizeof(cl_mem), &in);
    clSetKernelArg(k, 1, sizeof(cl_ulong), &size);
    clSetKernelArg(k, 2, sizeof(cl_mem), &v);
    clSetKernelArg(k, 3, sizeof(cl_mem), &e);
    clSetKernelArg(k, 4, sizeof(cl_uint), &n);
    launch(k, n);
    read(v, verdict.data(), verdict.size() * 4);
    read(e, errors.data(), errors.size());
    errors.resize(n);
    for (cl_mem m : {in, v, e}) clReleaseMemObject(m);
    return errors;
  }

  // One digest per message with vigil_sha256 / vigil_sha512.
  std::vector<uint8_t> hash(const std::vector<std::vector<uint8_t>>& msgs, bool is512) {
    std::vector<uint8_t> all;
    std::vector<uint32_t> offs{0};
    for (const auto& m : msgs) {
      all.insert(all.end(), m.begin(), m.end());
      offs.push_back(uint32_t(all.size()));
    }
    all.push_back(0);  // no zero-sized buffers
    const size_t dlen = is512 ? 64 : 32;
    std::vector<uint8_t> out(msgs.size() * dlen);
    cl_mem m = buffer(all.data(), all.size());
    cl_mem o = buffer(offs.data(), offs.size() * 4);
    cl_mem d = buffer(out.data(), out.size());
    uint32_t n = uint32_t(msgs.size());
    run(is512 ? "vigil_sha512" : "vigil_sha256", n, {m, o, d}, n);
    read(d, out.data(), out.size());
    for (cl_mem x : {m, o, d}) clReleaseMemObject(x);
    return out;
  }

  // One Merkle level: count nodes of 32 bytes in, (count + 1) / 2 out.
  std::vector<uint8_t> merkle_level(const std::vector<uint8_t>& nodes) {
    uint32_t count = uint32_t(nodes.size() / 32), parents = (count + 1) / 2;
    std::vector<uint8_t> out(size_t(parents) * 32);
    cl_mem in = buffer(nodes.data(), nodes.size());
    cl_mem o = buffer(out.data(), out.size());
    cl_kernel k = clCreateKernel(prog_, "vigil_merkle_level", nullptr);
    clSetKernelArg(k, 0, sizeof(cl_mem), &in);
    clSetKernelArg(k, 1, sizeof(cl_uint), &count);
    clSetKernelArg(k, 2, sizeof(cl_mem), &o);
    size_t global = parents;
    clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, nullptr, 0, nullptr, nullptr);
    read(o, out.data(), out.size());
    clReleaseKernel(k);
    clReleaseMemObject(in);
    clReleaseMemObject(o);
    return out;
  }

 private:
  cl_mem buffer(const void* p, size_t n) {
    return clCreateBuffer(ctx_, CL_MEM_READ_WRITE | CL_MEM_COPY_HOST_PTR, n, const_cast<void*>(p),
                          nullptr);
  }
  void read(cl_mem m, void* p, size_t n) {
    clEnqueueReadBuffer(queue_, m, CL_TRUE, 0, n, p, 0, nullptr, nullptr);
  }
  // Kernels whose arguments are three buffers and a count.
  void run(const char* name, size_t items, std::array<cl_mem, 3> bufs, uint32_t count) {
    cl_kernel k = clCreateKernel(prog_, name, nullptr);
    for (cl_uint i = 0; i < 3; ++i) clSetKernelArg(k, i, sizeof(cl_mem), &bufs[i]);
    clSetKernelArg(k, 3, sizeof(cl_uint), &count);
    launch(k, items);
  }
  // Runs `k` over `items` work-items and waits; releases `k`.
  void launch(cl_kernel k, size_t items) {
    // Work-groups of 64 as the drivers use: PoCL's own choice (the whole
    // grid) puts thousands of verify frames on one thread's stack.
    size_t local = 64, global = (items + local - 1) / local * local;
    if (global == 0) global = local;
    clEnqueueNDRangeKernel(queue_, k, 1, nullptr, &global, &local, 0, nullptr, nullptr);
    clFinish(queue_);
    clReleaseKernel(k);
  }

  cl_device_id dev_ = nullptr;
  cl_context ctx_ = nullptr;
  cl_command_queue queue_ = nullptr;
  cl_program prog_ = nullptr;
  std::string why_;
};

}  // namespace vigil::test
