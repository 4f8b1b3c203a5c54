#include "drivers/accel/cuda_accelerator.hpp"

#if VIGIL_HAVE_CUDA
#include <cuda_runtime.h>

#include <cstring>
#include <thread>

#include "drivers/accel/queued_accelerator.hpp"
#include "kernels/cuda_launch.hpp"
#endif

namespace vigil::accel {

#if VIGIL_HAVE_CUDA
namespace {

struct Slot {
  cudaStream_t stream = nullptr;
  uint8_t* h_batch = nullptr;  // pinned
  uint32_t* h_verdict = nullptr;
  uint8_t* h_errors = nullptr;
  uint8_t* d_batch = nullptr;
  uint32_t* d_verdict = nullptr;
  uint8_t* d_errors = nullptr;
};

void release(Slot& s) {
  if (s.stream) cudaStreamDestroy(s.stream);
  cudaFreeHost(s.h_batch);
  cudaFreeHost(s.h_verdict);
  cudaFreeHost(s.h_errors);
  cudaFree(s.d_batch);
  cudaFree(s.d_verdict);
  cudaFree(s.d_errors);
  s = {};
}

class CudaAccelerator final : public QueuedAccelerator {
 public:
  CudaAccelerator(Capabilities caps, const Options& opts, int device, std::vector<Slot> slots)
      : QueuedAccelerator(std::move(caps), opts),
        device_(device),
        shape_(opts.kernel),
        slots_(std::move(slots)) {
    start(static_cast<unsigned>(slots_.size()));
  }
  ~CudaAccelerator() override {
    stop();
    if (!stats().device_down)
      for (auto& s : slots_) release(s);  // a hung device's buffers are left to the process
  }

 protected:
  vigil_error run_on_device(unsigned slot, const BatchView& batch, Completion& out,
                            std::chrono::steady_clock::time_point deadline,
                            InjectedFault fault) override {
    Slot& s = slots_[slot];
    const uint32_t n = batch.count();
    if (n == 0) return VIGIL_OK;
    if (fault == InjectedFault::device_error || fault == InjectedFault::lost_device)
      return VIGIL_ERR_DEVICE_FAULT;
    if (cudaSetDevice(device_) != cudaSuccess) return VIGIL_ERR_DEVICE_FAULT;
    const auto bytes = batch.bytes;
    std::memcpy(s.h_batch, bytes.data(), bytes.size());
    const size_t vbytes = VIGIL_VERDICT_WORDS(n) * 4;
    int err = cudaMemcpyAsync(s.d_batch, s.h_batch, bytes.size(), cudaMemcpyHostToDevice, s.stream);
    err |= cudaMemsetAsync(s.d_verdict, 0, vbytes, s.stream);
    if (err != cudaSuccess) return VIGIL_ERR_DEVICE_FAULT;
    if (kernels::cuda_launch_verify(s.d_batch, bytes.size(), s.d_verdict, s.d_errors, n, shape_,
                                    s.stream) != 0)
      return VIGIL_ERR_DEVICE_FAULT;
    err = cudaMemcpyAsync(s.h_verdict, s.d_verdict, vbytes, cudaMemcpyDeviceToHost, s.stream);
    err |= cudaMemcpyAsync(s.h_errors, s.d_errors, n, cudaMemcpyDeviceToHost, s.stream);
    if (err != cudaSuccess) return VIGIL_ERR_DEVICE_FAULT;
    // Poll the stream: a hung kernel costs the deadline, not the validator.
    for (unsigned spins = 0;; ++spins) {
      cudaError_t q = cudaStreamQuery(s.stream);
      if (q == cudaSuccess && fault != InjectedFault::hang) break;
      if (q != cudaSuccess && q != cudaErrorNotReady) return VIGIL_ERR_DEVICE_FAULT;
      if (std::chrono::steady_clock::now() > deadline) return VIGIL_ERR_DEADLINE;
      if (spins > 256) std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
    std::memcpy(out.verdict.data(), s.h_verdict, vbytes);
    std::memcpy(out.errors.data(), s.h_errors, n);
    return VIGIL_OK;
  }

 private:
  int device_;
  kernels::VerifyShape shape_;
  std::vector<Slot> slots_;
};

}  // namespace

int cuda_device_count(std::string* why) {
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    if (why)
      *why = std::string("no CUDA device: cudaGetDeviceCount: ") + cudaGetErrorName(e) + " (" +
             std::to_string(static_cast<int>(e)) + ")";
    return 0;
  }
  if (n == 0 && why) *why = "no CUDA device";
  return n;
}

std::unique_ptr<Accelerator> make_cuda_accelerator(int device, const Options& opts,
                                                   std::string* error) {
  if (!kernels::valid_verify_block(opts.kernel.block)) {
    if (error) *error = "threads per block must be a power of two in 8..256";
    return nullptr;
  }
  std::string why;
  int n = cuda_device_count(&why);
  if (device < 0 || device >= n) {
    if (error) *error = n == 0 ? why : "CUDA device " + std::to_string(device) + " does not exist";
    return nullptr;
  }
  cudaDeviceProp prop{};
  if (cudaSetDevice(device) != cudaSuccess ||
      cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
    if (error) *error = "CUDA device " + std::to_string(device) + " unusable";
    return nullptr;
  }
  // Staging for the largest batch any packer lays out with these
  // capacities; the shared checks refuse anything larger (TOO_LARGE).
  const size_t batch_bytes = staging_bytes(opts);
  const size_t vbytes = VIGIL_VERDICT_WORDS(opts.max_batch) * 4;
  std::vector<Slot> slots(opts.slots());
  bool ok = true;
  int least = 0, greatest = 0;  // "greatest" is the numerically lowest
  cudaDeviceGetStreamPriorityRange(&least, &greatest);
  for (size_t k = 0; k < slots.size(); ++k) {
    Slot& s = slots[k];
    const int prio = k < opts.express_slots ? greatest : least;
    ok = ok && cudaStreamCreateWithPriority(&s.stream, cudaStreamNonBlocking, prio) == cudaSuccess;
    ok = ok && cudaMallocHost(&s.h_batch, batch_bytes) == cudaSuccess;
    ok = ok && cudaMallocHost(&s.h_verdict, vbytes) == cudaSuccess;
    ok = ok && cudaMallocHost(&s.h_errors, opts.max_batch) == cudaSuccess;
    ok = ok && cudaMalloc(&s.d_batch, batch_bytes) == cudaSuccess;
    ok = ok && cudaMalloc(&s.d_verdict, vbytes) == cudaSuccess;
    ok = ok && cudaMalloc(&s.d_errors, opts.max_batch) == cudaSuccess;
  }
  if (!ok) {
    for (auto& s : slots) release(s);
    if (error) *error = "CUDA stream or buffer allocation failed";
    return nullptr;
  }
  Capabilities caps;
  caps.name = std::string("cuda: ") + prop.name + " [" + kernels::shape_name(opts.kernel) + "]";
  caps.kind = Kind::cuda;
  caps.max_batch = opts.max_batch;
  caps.max_msg_bytes = opts.max_msg_bytes;
  caps.max_batch_bytes = batch_bytes;
  caps.caps = VIGIL_CAP_ED25519_STRICT | VIGIL_CAP_ED25519_ZIP215 | VIGIL_CAP_DEVICE;
  return std::make_unique<CudaAccelerator>(std::move(caps), opts, device, std::move(slots));
}

#else

int cuda_device_count(std::string* why) {
  if (why) *why = "no CUDA device: built without CUDA (VIGIL_CUDA=OFF)";
  return 0;
}

std::unique_ptr<Accelerator> make_cuda_accelerator(int, const Options&, std::string* error) {
  if (error) *error = "built without CUDA (VIGIL_CUDA=OFF)";
  return nullptr;
}

#endif

}  // namespace vigil::accel
