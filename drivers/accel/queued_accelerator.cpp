#include "drivers/accel/queued_accelerator.hpp"

#include <cstdio>

#include "drivers/accel/cpu_engine.hpp"

namespace vigil::accel {

QueuedAccelerator::QueuedAccelerator(Capabilities caps, const Options& opts)
    : opts_(opts), caps_(std::move(caps)) {}

QueuedAccelerator::~QueuedAccelerator() {
  stop();
}

void QueuedAccelerator::start(unsigned slots) {
  for (unsigned s = 0; s < slots; ++s) workers_.emplace_back([this, s] { worker(s); });
}

void QueuedAccelerator::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  not_empty_.notify_all();
  not_full_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

std::future<void> QueuedAccelerator::submit(const BatchBuffer& batch, Completion& out) {
  Job job{&batch, &out, {}};
  auto fut = job.done.get_future();
  std::unique_lock lock(mu_);
  if (queue_.size() >= opts_.max_in_flight) {
    waits_.fetch_add(1, std::memory_order_relaxed);
    not_full_.wait(lock, [&] { return queue_.size() < opts_.max_in_flight || stopping_; });
  }
  if (stopping_) {
    // Shutting down: the batch is still verified, here, on the caller's thread.
    lock.unlock();
    cpu_verify(batch, opts_.cpu_engine, out);
    job.done.set_value();
    return fut;
  }
  queue_.push_back(std::move(job));
  lock.unlock();
  not_empty_.notify_one();
  return fut;
}

void QueuedAccelerator::worker(unsigned slot) {
  for (;;) {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;  // stopping and drained
    Job job = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    not_full_.notify_one();
    process(slot, *job.batch, *job.out);
    job.done.set_value();
  }
}

void QueuedAccelerator::process(unsigned slot, const BatchBuffer& batch, Completion& c) {
  const uint32_t n = batch.count();
  if (n > caps_.max_batch || batch.bytes().size() < sizeof(vigil_batch_desc) ||
      batch.desc().msg_bytes > caps_.max_msg_bytes || !caps_.supports(batch.rules())) {
    reset_completion(c, n,
                     n > caps_.max_batch || batch.desc().msg_bytes > caps_.max_msg_bytes
                         ? VIGIL_ERR_TOO_LARGE
                         : VIGIL_ERR_BAD_RULES);
    refused_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  vigil_error st = VIGIL_ERR_DEVICE_FAULT;
  bool tried = false;
  if (!down_.load(std::memory_order_acquire)) {
    tried = true;
    reset_completion(c, n, VIGIL_OK);
    auto deadline = std::chrono::steady_clock::now() + opts_.deadline;
    st = run_on_device(slot, batch, c, deadline, injected_.exchange(InjectedFault::none));
  }
  if (st != VIGIL_OK) {
    if (tried) {
      faults_.fetch_add(1, std::memory_order_relaxed);
      if (!down_.exchange(true))
        std::fprintf(stderr, "vigil accel: %s marked down (%s); batches go to the CPU engine\n",
                     caps_.name.c_str(), st == VIGIL_ERR_DEADLINE ? "deadline" : "device fault");
    } else {
      cpu_fallback_.fetch_add(1, std::memory_order_relaxed);
    }
    cpu_verify(batch, opts_.cpu_engine, c);
    if (tried) {
      c.summary.status = st;
      c.summary.faults = 1;
    }
  }
  count_valid(c);
  batches_.fetch_add(1, std::memory_order_relaxed);
  items_.fetch_add(n, std::memory_order_relaxed);
}

Stats QueuedAccelerator::stats() const {
  Stats s;
  s.batches = batches_.load();
  s.items = items_.load();
  s.faults = faults_.load();
  s.cpu_fallback = cpu_fallback_.load();
  s.submit_waits = waits_.load();
  s.refused = refused_.load();
  s.device_down = down_.load();
  return s;
}

}  // namespace vigil::accel
