// The machinery every driver shares: a bounded queue of submitted batches,
// one worker thread per device slot (a slot owns a command queue or stream
// and its buffers, so with two slots one batch's copies overlap another's
// kernel), the deadline, the fault accounting and the CPU fallback. A driver
// supplies run_on_device() for one slot; everything that keeps a verdict
// from being lost lives here, once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "drivers/accel/accelerator.hpp"

namespace vigil::accel {

class QueuedAccelerator : public Accelerator {
 public:
  ~QueuedAccelerator() override;

  const Capabilities& capabilities() const override { return caps_; }
  std::future<void> submit(const BatchBuffer& batch, Completion& out) override;
  Stats stats() const override;
  void inject_fault(InjectedFault fault) override { injected_.store(fault); }

 protected:
  QueuedAccelerator(Capabilities caps, const Options& opts);
  // Starts one worker per slot; the derived constructor calls it last.
  void start(unsigned slots);
  // Stops and joins the workers; the derived destructor calls it first,
  // before its slots' resources go.
  void stop();

  // Verifies `batch` on the device with slot `slot` into `out` (already
  // sized, all invalid). Returns VIGIL_OK, VIGIL_ERR_DEVICE_FAULT or
  // VIGIL_ERR_DEADLINE (past `deadline`). `fault` is a test's injected fault
  // to act out at the device boundary.
  virtual vigil_error run_on_device(unsigned slot, const BatchBuffer& batch, Completion& out,
                                    std::chrono::steady_clock::time_point deadline,
                                    InjectedFault fault) = 0;

  const Options opts_;

 private:
  struct Job {
    const BatchBuffer* batch;
    Completion* out;
    std::promise<void> done;
  };
  void worker(unsigned slot);
  void process(unsigned slot, const BatchBuffer& batch, Completion& c);

  Capabilities caps_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Job> queue_;  // at most opts_.max_in_flight
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::atomic<InjectedFault> injected_{InjectedFault::none};
  std::atomic<bool> down_{false};
  std::atomic<uint64_t> batches_{0}, items_{0}, faults_{0}, cpu_fallback_{0}, waits_{0},
      refused_{0};
};

}  // namespace vigil::accel
