#include "drivers/accel/queued_accelerator.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "drivers/accel/cpu_engine.hpp"

namespace vigil::accel {

namespace {
constexpr uint32_t kProbeItems = 8;

// Four valid signatures and four with one bit flipped each, from a fixed
// key: a device that answers these exactly computes again.
void fill_probe(BatchBuffer& b) {
  crypto::Seed seed{};
  seed[0] = 0x70;
  const crypto::Keypair key = crypto::keypair_from_seed(seed);
  b.clear(crypto::Rules::zip215);
  for (uint32_t i = 0; i < kProbeItems; ++i) {
    std::array<uint8_t, 40> msg{};
    msg[0] = uint8_t(i);
    crypto::Signature sig = crypto::sign(key, msg);
    if (i % 2) sig[i] ^= 0x04;
    b.add(key.public_key.data(), sig.data(), msg);
  }
  b.seal();
}
}  // namespace

QueuedAccelerator::QueuedAccelerator(Capabilities caps, const Options& opts)
    : opts_(opts), caps_(std::move(caps)), probe_(kProbeItems, kProbeItems * 40) {
  fill_probe(probe_);
  cpu_verify(probe_, opts_.cpu_engine, probe_want_);
}

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

bool QueuedAccelerator::is_express(const BatchView& batch) const {
  const bool bulk = batch.bytes.size() >= sizeof(vigil_batch_desc) &&
                    (batch.desc().flags & VIGIL_BATCH_FLAG_BULK);
  return !bulk && batch.count() <= opts_.express_items;
}

vigil_error QueuedAccelerator::refusal(const BatchView& batch) const {
  if (!batch.well_formed()) return VIGIL_ERR_MALFORMED;  // never sealed, or regions outside
  if (batch.desc().scheme != VIGIL_SCHEME_ED25519) return VIGIL_ERR_BAD_SCHEME;
  // The staging check: a driver copies the whole view into a buffer of
  // max_batch_bytes; anything larger is refused, never copied.
  if (batch.count() > caps_.max_batch || batch.desc().msg_bytes > caps_.max_msg_bytes ||
      batch.bytes.size() > caps_.max_batch_bytes)
    return VIGIL_ERR_TOO_LARGE;
  if (!caps_.supports(batch.rules())) return VIGIL_ERR_BAD_RULES;
  return VIGIL_OK;
}

std::future<void> QueuedAccelerator::submit(BatchView batch, Completion& out) {
  Job job{batch, &out, {}, Clock::now()};
  auto fut = job.done.get_future();
  const bool express = is_express(batch);
  std::deque<Job>& q = express ? express_q_ : large_q_;
  const size_t limit = std::max(1u, express ? opts_.max_in_flight_express : opts_.max_in_flight);
  std::unique_lock lock(mu_);
  if (q.size() >= limit) {
    waits_.fetch_add(1, std::memory_order_relaxed);
    // Only this class's queue: an express batch never waits behind large ones.
    not_full_.wait(lock, [&] { return q.size() < limit || stopping_; });
  }
  if (stopping_) {
    // Shutting down: the batch is still answered, here, on the caller's
    // thread, after the same checks as every other path.
    lock.unlock();
    if (const vigil_error r = refusal(batch); r != VIGIL_OK) {
      reset_completion(out, batch.count(), r);
      refused_.fetch_add(1, std::memory_order_relaxed);
    } else {
      cpu_verify(batch, opts_.cpu_engine, out);
    }
    job.done.set_value();
    return fut;
  }
  q.push_back(std::move(job));
  lock.unlock();
  // All: the woken worker must be one that may take this batch.
  not_empty_.notify_all();
  return fut;
}

bool QueuedAccelerator::express_slot(unsigned slot) const {
  return slot < opts_.express_slots && opts_.slots() > opts_.express_slots;
}

std::deque<QueuedAccelerator::Job>* QueuedAccelerator::next_queue(unsigned slot) {
  if (express_slot(slot)) return express_q_.empty() ? nullptr : &express_q_;
  if (express_q_.empty()) return large_q_.empty() ? nullptr : &large_q_;
  if (large_q_.empty()) return &express_q_;
  // Both waiting: express first, unless the oldest large batch has waited
  // its bound (aging: a large batch never starves behind small ones).
  const bool aged = Clock::now() - large_q_.front().queued >= opts_.large_max_wait;
  return aged ? &large_q_ : &express_q_;
}

void QueuedAccelerator::worker(unsigned slot) {
  for (;;) {
    std::unique_lock lock(mu_);
    std::deque<Job>* q = nullptr;
    not_empty_.wait(lock, [&] { return (q = next_queue(slot)) != nullptr || stopping_; });
    if (!q) return;  // stopping, and nothing here for this slot
    Job job = std::move(q->front());
    q->pop_front();
    lock.unlock();
    not_full_.notify_all();
    process(slot, job.batch, *job.out);
    job.done.set_value();
  }
}

bool QueuedAccelerator::reprobe(unsigned slot) {
  std::unique_lock lock(probe_mu_, std::try_to_lock);
  if (!lock.owns_lock() || Clock::now() < next_probe_) return false;
  probes_.fetch_add(1, std::memory_order_relaxed);
  Completion got;
  reset_completion(got, kProbeItems, VIGIL_OK);
  const vigil_error st = run_on_device(slot, probe_.view(), got, Clock::now() + opts_.deadline,
                                       injected_.exchange(InjectedFault::none));
  const bool exact =
      st == VIGIL_OK && got.verdict == probe_want_.verdict && got.errors == probe_want_.errors;
  if (!exact) {
    backoff_ = std::min(opts_.reprobe_max, backoff_ * 2);
    next_probe_ = Clock::now() + backoff_;
    return false;
  }
  reenabled_.fetch_add(1, std::memory_order_relaxed);
  down_.store(false, std::memory_order_release);
  std::fprintf(stderr, "vigil accel: %s answered its probe exactly; re-enabled\n",
               caps_.name.c_str());
  return true;
}

void QueuedAccelerator::process(unsigned slot, const BatchView& batch, Completion& c) {
  const uint32_t n = batch.count();
  if (const vigil_error r = refusal(batch); r != VIGIL_OK) {
    reset_completion(c, n, r);
    refused_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (down_.load(std::memory_order_acquire)) reprobe(slot);
  vigil_error st = VIGIL_ERR_DEVICE_FAULT;
  bool tried = false;
  if (!down_.load(std::memory_order_acquire)) {
    tried = true;
    reset_completion(c, n, VIGIL_OK);
    auto deadline = Clock::now() + opts_.deadline;
    st = run_on_device(slot, batch, c, deadline, injected_.exchange(InjectedFault::none));
  }
  if (st != VIGIL_OK) {
    if (tried) {
      faults_.fetch_add(1, std::memory_order_relaxed);
      if (!down_.exchange(true)) {
        std::lock_guard lock(probe_mu_);
        backoff_ = opts_.reprobe_initial;
        next_probe_ = Clock::now() + backoff_;
        std::fprintf(stderr, "vigil accel: %s marked down (%s); batches go to the CPU engine\n",
                     caps_.name.c_str(), st == VIGIL_ERR_DEADLINE ? "deadline" : "device fault");
      }
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
  s.probes = probes_.load();
  s.reenabled = reenabled_.load();
  s.device_down = down_.load();
  return s;
}

}  // namespace vigil::accel
