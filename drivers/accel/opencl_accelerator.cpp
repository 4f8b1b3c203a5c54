#include "drivers/accel/opencl_accelerator.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include "drivers/accel/queued_accelerator.hpp"
#include "kernels/opencl_program.hpp"

namespace vigil::accel {
namespace {

struct DeviceRef {
  cl_platform_id platform;
  cl_device_id device;
  std::string platform_name, device_name;
  cl_device_type type;
};

std::vector<DeviceRef> all_devices() {
  std::vector<DeviceRef> out;
  cl_uint np = 0;
  if (clGetPlatformIDs(0, nullptr, &np) != CL_SUCCESS || np == 0) return out;
  std::vector<cl_platform_id> plats(np);
  clGetPlatformIDs(np, plats.data(), nullptr);
  for (auto p : plats) {
    char pname[256] = {0};
    clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof pname - 1, pname, nullptr);
    cl_uint nd = 0;
    if (clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, nullptr, &nd) != CL_SUCCESS || nd == 0) continue;
    std::vector<cl_device_id> devs(nd);
    clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, nd, devs.data(), nullptr);
    for (auto d : devs) {
      cl_device_type t = 0;
      clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof t, &t, nullptr);
      out.push_back({p, d, pname, kernels::opencl_device_name(d), t});
    }
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Empty sel: the first GPU; digits: that index; else a name part.
const DeviceRef* pick(const std::vector<DeviceRef>& devs, const std::string& sel) {
  if (sel.empty()) {
    for (const auto& d : devs)
      if (d.type & CL_DEVICE_TYPE_GPU) return &d;
    return nullptr;
  }
  if (std::all_of(sel.begin(), sel.end(), [](unsigned char c) { return std::isdigit(c); })) {
    size_t i = std::stoul(sel);
    return i < devs.size() ? &devs[i] : nullptr;
  }
  for (const auto& d : devs)
    if (lower(d.device_name).find(lower(sel)) != std::string::npos ||
        lower(d.platform_name).find(lower(sel)) != std::string::npos)
      return &d;
  return nullptr;
}

struct Slot {
  cl_command_queue queue = nullptr;
  cl_kernel kernel = nullptr;
  cl_mem batch = nullptr, verdict = nullptr, errors = nullptr;
  // Host staging owned by the slot, not the caller: after a deadline the
  // device may still read or write these, and they stay valid while it does.
  std::vector<uint8_t> in;
  std::vector<uint32_t> verdict_out;
  std::vector<uint8_t> errors_out;
  // A run that gave up (fault or deadline) may have left commands in the
  // queue that still read `in` and write the outputs: drain them before the
  // slot's staging is reused or freed.
  bool unsettled = false;
};

class OpenClAccelerator final : public QueuedAccelerator {
 public:
  OpenClAccelerator(Capabilities caps, const Options& opts, cl_context ctx, cl_program prog,
                    std::vector<Slot> slots)
      : QueuedAccelerator(std::move(caps), opts),
        ctx_(ctx),
        prog_(prog),
        local_(opts.kernel.block),
        slots_(std::move(slots)) {
    start(static_cast<unsigned>(slots_.size()));
  }

  ~OpenClAccelerator() override {
    stop();
    for (auto& s : slots_) release(s);
    if (prog_) clReleaseProgram(prog_);
    if (ctx_) clReleaseContext(ctx_);
  }

  static void release(Slot& s) {
    if (s.queue) clFinish(s.queue);
    if (s.batch) clReleaseMemObject(s.batch);
    if (s.verdict) clReleaseMemObject(s.verdict);
    if (s.errors) clReleaseMemObject(s.errors);
    if (s.kernel) clReleaseKernel(s.kernel);
    if (s.queue) clReleaseCommandQueue(s.queue);
  }

 protected:
  vigil_error run_on_device(unsigned slot, const BatchView& batch, Completion& out,
                            std::chrono::steady_clock::time_point deadline,
                            InjectedFault fault) override {
    Slot& s = slots_[slot];
    const uint32_t n = batch.count();
    if (n == 0) return VIGIL_OK;
    if (s.unsettled) {
      clFinish(s.queue);
      s.unsettled = false;
    }
    if (fault == InjectedFault::device_error) return VIGIL_ERR_DEVICE_FAULT;
    const auto bytes = batch.bytes;
    const cl_uint zero = 0;
    std::copy(bytes.begin(), bytes.end(), s.in.begin());
    s.unsettled = true;  // cleared below once the queue has finished with this run
    cl_int err = clEnqueueWriteBuffer(s.queue, s.batch, CL_FALSE, 0, bytes.size(), s.in.data(), 0,
                                      nullptr, nullptr);
    err |= clEnqueueFillBuffer(s.queue, s.verdict, &zero, sizeof zero, 0,
                               VIGIL_VERDICT_WORDS(n) * sizeof(cl_uint), 0, nullptr, nullptr);
    const cl_ulong size = bytes.size();
    err |= clSetKernelArg(s.kernel, 0, sizeof(cl_mem), &s.batch);
    err |= clSetKernelArg(s.kernel, 1, sizeof(cl_ulong), &size);
    err |= clSetKernelArg(s.kernel, 2, sizeof(cl_mem), &s.verdict);
    err |= clSetKernelArg(s.kernel, 3, sizeof(cl_mem), &s.errors);
    err |= clSetKernelArg(s.kernel, 4, sizeof(cl_uint), &n);
    if (err != CL_SUCCESS) return VIGIL_ERR_DEVICE_FAULT;
    size_t local = local_;
    size_t global = (size_t(n) + local - 1) / local * local;
    if (clEnqueueNDRangeKernel(s.queue, s.kernel, 1, nullptr, &global, &local, 0, nullptr,
                               nullptr) != CL_SUCCESS)
      return VIGIL_ERR_DEVICE_FAULT;
    cl_event done = nullptr;
    err = clEnqueueReadBuffer(s.queue, s.verdict, CL_FALSE, 0, out.verdict.size() * 4,
                              s.verdict_out.data(), 0, nullptr, nullptr);
    err |= clEnqueueReadBuffer(s.queue, s.errors, CL_FALSE, 0, n, s.errors_out.data(), 0, nullptr,
                               &done);
    if (err != CL_SUCCESS || clFlush(s.queue) != CL_SUCCESS) {
      if (done) clReleaseEvent(done);
      return VIGIL_ERR_DEVICE_FAULT;
    }
    // Poll instead of clFinish so that a hung device costs the deadline,
    // not the validator.
    vigil_error st = VIGIL_OK;
    for (unsigned spins = 0;; ++spins) {
      cl_int status = CL_QUEUED;
      if (clGetEventInfo(done, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof status, &status,
                         nullptr) != CL_SUCCESS ||
          status < 0 || fault == InjectedFault::lost_device) {
        st = VIGIL_ERR_DEVICE_FAULT;
        break;
      }
      if (status == CL_COMPLETE && fault != InjectedFault::hang) break;
      if (std::chrono::steady_clock::now() > deadline) {
        st = VIGIL_ERR_DEADLINE;
        break;
      }
      if (spins > 64) std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    s.unsettled = st != VIGIL_OK;
    if (st == VIGIL_OK) {
      std::copy_n(s.verdict_out.begin(), out.verdict.size(), out.verdict.begin());
      std::copy_n(s.errors_out.begin(), n, out.errors.begin());
    }
    clReleaseEvent(done);
    return st;
  }

 private:
  cl_context ctx_;
  cl_program prog_;
  size_t local_;  // work-items per work-group
  std::vector<Slot> slots_;
};

}  // namespace

std::vector<std::string> list_opencl_devices() {
  std::vector<std::string> out;
  auto devs = all_devices();
  for (size_t i = 0; i < devs.size(); ++i)
    out.push_back(std::to_string(i) + ": " + devs[i].platform_name + " / " + devs[i].device_name +
                  ((devs[i].type & CL_DEVICE_TYPE_GPU) ? " (gpu)" : " (cpu or other)"));
  return out;
}

std::unique_ptr<Accelerator> make_opencl_accelerator(const std::string& sel, const Options& opts,
                                                     std::string* error) {
  auto fail = [&](std::string why) -> std::unique_ptr<Accelerator> {
    if (error) *error = std::move(why);
    return nullptr;
  };
  if (!kernels::valid_verify_block(opts.kernel.block))
    return fail("work-items per work-group must be a power of two in 8..256");
  auto devs = all_devices();
  const DeviceRef* d = pick(devs, sel);
  if (!d) return fail(sel.empty() ? "no OpenCL GPU" : "no OpenCL device matches '" + sel + "'");
  cl_int err = CL_SUCCESS;
  cl_context ctx = clCreateContext(nullptr, 1, &d->device, nullptr, nullptr, &err);
  if (!ctx || err != CL_SUCCESS) return fail("clCreateContext failed: " + std::to_string(err));
  auto built = kernels::build_opencl_program(
      ctx, d->device, opts.cache_dir.empty() ? kernels::default_cache_dir() : opts.cache_dir,
      opts.kernel.field);
  if (!built.program) {
    clReleaseContext(ctx);
    return fail(built.error);
  }
  // Staging for the largest batch any packer lays out with these
  // capacities; the shared checks refuse anything larger (TOO_LARGE).
  const size_t batch_bytes = staging_bytes(opts);
  std::vector<Slot> slots(opts.slots());
  bool ok = true;
  for (auto& s : slots) {
    s.queue = clCreateCommandQueue(ctx, d->device, 0, &err);
    ok = ok && s.queue && err == CL_SUCCESS;
    s.kernel = clCreateKernel(built.program, "vigil_ed25519_verify", &err);
    ok = ok && s.kernel && err == CL_SUCCESS;
    s.batch = clCreateBuffer(ctx, CL_MEM_READ_ONLY, batch_bytes, nullptr, &err);
    ok = ok && s.batch && err == CL_SUCCESS;
    s.verdict = clCreateBuffer(ctx, CL_MEM_WRITE_ONLY, VIGIL_VERDICT_WORDS(opts.max_batch) * 4,
                               nullptr, &err);
    ok = ok && s.verdict && err == CL_SUCCESS;
    s.errors = clCreateBuffer(ctx, CL_MEM_WRITE_ONLY, opts.max_batch, nullptr, &err);
    ok = ok && s.errors && err == CL_SUCCESS;
    s.in.resize(batch_bytes);
    s.verdict_out.resize(VIGIL_VERDICT_WORDS(opts.max_batch));
    s.errors_out.resize(opts.max_batch);
  }
  if (!ok) {
    for (auto& s : slots) OpenClAccelerator::release(s);
    clReleaseProgram(built.program);
    clReleaseContext(ctx);
    return fail("OpenCL queue or buffer creation failed: " + std::to_string(err));
  }
  Capabilities caps;
  caps.name = "opencl: " + d->platform_name + " / " + d->device_name + " [" +
              kernels::shape_name(opts.kernel) + "]";
  caps.kind = Kind::opencl;
  caps.max_batch = opts.max_batch;
  caps.max_msg_bytes = opts.max_msg_bytes;
  caps.max_batch_bytes = batch_bytes;
  caps.caps = VIGIL_CAP_ED25519_STRICT | VIGIL_CAP_ED25519_ZIP215 | VIGIL_CAP_DEVICE;
  return std::make_unique<OpenClAccelerator>(std::move(caps), opts, ctx, built.program,
                                             std::move(slots));
}

}  // namespace vigil::accel
