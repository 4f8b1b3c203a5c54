// The machinery every driver shares: bounded queues of submitted batches
// (express and large apart, so neither waits for room behind the other),
// one worker thread per device slot (a slot owns a command queue or stream
// and its buffers, so with two slots one batch's copies overlap another's
// kernel), the descriptor and size checks, the deadline, the fault
// accounting, the CPU fallback and the re-probe of a down device. A driver
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
  using Accelerator::submit;
  std::future<void> submit(BatchView batch, Completion& out) override;
  Stats stats() const override;
  void inject_fault(InjectedFault fault) override { injected_.store(fault); }

 protected:
  QueuedAccelerator(Capabilities caps, const Options& opts);
  // Starts one worker per slot (opts.slots() of them; the first
  // opts.express_slots take express batches only); the derived constructor
  // calls it last.
  void start(unsigned slots);
  // Stops and joins the workers; the derived destructor calls it first,
  // before its slots' resources go.
  void stop();

  // Verifies `batch` on the device with slot `slot` into `out` (already
  // sized, all invalid). Returns VIGIL_OK, VIGIL_ERR_DEVICE_FAULT or
  // VIGIL_ERR_DEADLINE (past `deadline`). `fault` is a test's injected fault
  // to act out at the device boundary.
  virtual vigil_error run_on_device(unsigned slot, const BatchView& batch, Completion& out,
                                    std::chrono::steady_clock::time_point deadline,
                                    InjectedFault fault) = 0;

  const Options opts_;

 private:
  using Clock = std::chrono::steady_clock;
  struct Job {
    BatchView batch;
    Completion* out;
    std::promise<void> done;
    Clock::time_point queued;
  };
  void worker(unsigned slot);
  bool express_slot(unsigned slot) const;
  bool is_express(const BatchView& batch) const;
  // The job slot `slot` takes next (mu_ held), or null.
  std::deque<Job>* next_queue(unsigned slot);
  // Why the batch cannot go to an engine at all, or VIGIL_OK.
  vigil_error refusal(const BatchView& batch) const;
  void process(unsigned slot, const BatchView& batch, Completion& c);
  // A down device whose backoff has run out answers the probe batch; true
  // when it answered exactly (the device is up again).
  bool reprobe(unsigned slot);

  Capabilities caps_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<Job> express_q_;  // at most opts_.max_in_flight_express
  std::deque<Job> large_q_;    // at most opts_.max_in_flight
  bool stopping_ = false;
  // Re-probe: a known-answer batch, its expected completion, the backoff.
  BatchBuffer probe_;
  Completion probe_want_;
  std::mutex probe_mu_;
  Clock::time_point next_probe_{};
  std::chrono::milliseconds backoff_{0};
  std::atomic<uint64_t> probes_{0}, reenabled_{0};
  std::vector<std::thread> workers_;
  std::atomic<InjectedFault> injected_{InjectedFault::none};
  std::atomic<bool> down_{false};
  std::atomic<uint64_t> batches_{0}, items_{0}, faults_{0}, cpu_fallback_{0}, waits_{0},
      refused_{0};
};

}  // namespace vigil::accel
