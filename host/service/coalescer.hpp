// The coalescer: VERIFY requests from every client merged into engine-sized
// batches, as Triton's dynamic batcher does, then split back per request.
//
//   - Two lanes. Requests of at most express_items signatures (votes) go
//     to the express lane, sent to the engine as soon as a batch slot is
//     free; larger ones wait until preferred_batch signatures are queued or
//     the oldest has waited max_delay.
//   - Fair by signatures: each lane serves its clients by deficit round
//     robin, so a client sending big requests gets the same share of the
//     engine as one sending small ones, and no client starves another.
//   - Bounded: at most queue_signatures signatures and queue_bytes bytes
//     wait; past that submit() refuses at once with OVERLOADED. Batches in
//     flight are bounded by `flights` (one reused BatchBuffer each).
//   - Every accepted request is answered exactly once, through its `done`
//     callback, on a coalescer thread; nothing is dropped silently.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "drivers/accel/accelerator.hpp"

namespace vigil::service {

using Clock = std::chrono::steady_clock;

struct Verdicts {
  vigil_error status = VIGIL_OK;  // VIGIL_OK or DEADLINE
  std::vector<uint32_t> verdict;  // VIGIL_SVC_VERDICT_WORDS(count) words
  std::vector<uint8_t> errors;    // one per item
};

// One VERIFY request, owning its body; items point into it.
struct Job {
  uint32_t client = 0;  // fairness key (one per allowlisted key)
  crypto::Rules rules = crypto::Rules::zip215;
  std::vector<uint8_t> body;
  std::vector<crypto::VerifyItem> items;
  Clock::time_point received{};
  Clock::time_point deadline = Clock::time_point::max();
  std::function<void(Verdicts&&)> done;
  size_t msg_bytes() const { return body.size() - items.size() * sizeof(vigil_svc_item); }
};

// What the coalescer reports as it works (metrics), from its threads.
struct CoalescerObserver {
  virtual ~CoalescerObserver() = default;
  virtual void batch(uint32_t signatures, uint32_t requests) = 0;
  virtual void queue_delay(double seconds) = 0;
  virtual void queue_depth(uint64_t signatures) = 0;
};

struct CoalescerOptions {
  uint32_t max_batch = 16384;      // signatures per engine batch
  uint32_t preferred_batch = 256;  // bulk lane flushes at this many
  uint32_t express_items = 4;
  std::chrono::microseconds max_delay{500};
  uint64_t queue_signatures = 65536;
  uint64_t queue_bytes = 64u << 20;
  uint32_t max_batch_bytes = 16u << 20;  // message bytes per engine batch
  unsigned flights = 4;                  // batches in flight (first: express only)
  uint32_t quantum = 256;                // DRR signatures per client per round
};

struct CoalescerStats {
  uint64_t accepted = 0, overloaded = 0, batches = 0, signatures = 0, deadline = 0;
  uint64_t queued_signatures = 0;
};

class Coalescer {
 public:
  Coalescer(accel::Accelerator& engine, CoalescerOptions opts, CoalescerObserver* observer);
  ~Coalescer();  // answers what is queued, then stops
  Coalescer(const Coalescer&) = delete;
  Coalescer& operator=(const Coalescer&) = delete;

  // VIGIL_OK: `job` is taken and its done() will run exactly once.
  // OVERLOADED: the queue is full; `job` is left to the caller to answer.
  vigil_error submit(std::unique_ptr<Job>& job);
  CoalescerStats stats() const;

 private:
  struct Lane {
    struct Queue {
      std::deque<std::unique_ptr<Job>> jobs;
      uint64_t deficit = 0;
    };
    std::map<uint32_t, Queue> clients;  // only clients with jobs
    std::deque<uint32_t> round;         // DRR order of those clients
    uint64_t signatures = 0;
    bool empty() const { return round.empty(); }
  };
  struct Flight {
    accel::BatchBuffer batch;
    accel::Completion done;
    std::vector<std::unique_ptr<Job>> jobs;
    std::future<void> pending;
    bool busy = false;
    std::thread thread;
    Flight(uint32_t items, uint32_t bytes) : batch(items, bytes) {}
  };

  void dispatch_loop();
  void flight_loop(Flight& f);
  // Moves up to a batch of same-rules jobs from `lane` into `out` by DRR.
  void take_batch(Lane& lane, std::vector<std::unique_ptr<Job>>& out);
  Flight* free_flight(bool express);
  Clock::time_point oldest(const Lane& lane) const;
  void finish(Flight& f);

  accel::Accelerator& engine_;
  const CoalescerOptions opts_;
  CoalescerObserver* observer_;
  mutable std::mutex mu_;
  std::condition_variable wake_;       // dispatcher: a job or a free flight
  std::condition_variable flight_cv_;  // flights: work to wait on
  Lane express_, bulk_;
  uint64_t queued_bytes_ = 0;
  bool stopping_ = false, flights_stop_ = false;
  CoalescerStats stats_;
  std::vector<std::unique_ptr<Flight>> flights_;
  std::thread dispatcher_;
};

}  // namespace vigil::service
