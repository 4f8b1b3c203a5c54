#include "drivers/accel/cpu_accelerator.hpp"

#include <thread>

#include "drivers/accel/cpu_engine.hpp"
#include "drivers/accel/queued_accelerator.hpp"

namespace vigil::accel {
namespace {

class CpuAccelerator final : public QueuedAccelerator {
 public:
  CpuAccelerator(Capabilities caps, const Options& opts)
      : QueuedAccelerator(std::move(caps), opts) {
    start(opts.workers ? opts.workers : 1);
  }
  ~CpuAccelerator() override { stop(); }

 protected:
  vigil_error run_on_device(unsigned, const BatchBuffer& batch, Completion& out,
                            std::chrono::steady_clock::time_point deadline,
                            InjectedFault fault) override {
    if (fault == InjectedFault::device_error || fault == InjectedFault::lost_device)
      return VIGIL_ERR_DEVICE_FAULT;
    if (fault == InjectedFault::hang) {
      std::this_thread::sleep_until(deadline);
      return VIGIL_ERR_DEADLINE;
    }
    cpu_verify(batch, opts_.cpu_engine, out);
    return std::chrono::steady_clock::now() > deadline ? VIGIL_ERR_DEADLINE : VIGIL_OK;
  }
};

}  // namespace

std::unique_ptr<Accelerator> make_cpu_accelerator(const Options& opts) {
  Capabilities caps;
  caps.name = "cpu (" + cpu_engine_label(opts.cpu_engine) + ")";
  caps.kind = Kind::cpu;
  caps.max_batch = opts.max_batch;
  caps.max_msg_bytes = opts.max_msg_bytes;
  caps.caps = VIGIL_CAP_ED25519_STRICT | VIGIL_CAP_ED25519_ZIP215 | VIGIL_CAP_SHA256 |
              VIGIL_CAP_SHA512 | VIGIL_CAP_MERKLE_SHA256;
  return std::make_unique<CpuAccelerator>(std::move(caps), opts);
}

}  // namespace vigil::accel
