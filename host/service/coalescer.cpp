#include "host/service/coalescer.hpp"

#include <algorithm>

namespace vigil::service {

Coalescer::Coalescer(accel::Accelerator& engine, CoalescerOptions opts, CoalescerObserver* observer)
    : engine_(engine), opts_(opts), observer_(observer) {
  const unsigned n = std::max(2u, opts_.flights);
  for (unsigned i = 0; i < n; ++i)
    flights_.push_back(std::make_unique<Flight>(opts_.max_batch, opts_.max_batch_bytes));
  for (auto& f : flights_) f->thread = std::thread([this, p = f.get()] { flight_loop(*p); });
  dispatcher_ = std::thread([this] { dispatch_loop(); });
}

Coalescer::~Coalescer() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  dispatcher_.join();  // drains both lanes first
  {
    std::lock_guard lk(mu_);
    flights_stop_ = true;
  }
  flight_cv_.notify_all();
  for (auto& f : flights_) f->thread.join();
}

vigil_error Coalescer::submit(std::unique_ptr<Job>& job) {
  const uint64_t n = job->items.size();
  {
    std::lock_guard lk(mu_);
    const uint64_t queued = express_.signatures + bulk_.signatures;
    if (stopping_ || queued + n > opts_.queue_signatures ||
        queued_bytes_ + job->body.size() > opts_.queue_bytes) {
      ++stats_.overloaded;
      return VIGIL_ERR_OVERLOADED;
    }
    Lane& lane = n <= opts_.express_items ? express_ : bulk_;
    auto [it, fresh] = lane.clients.try_emplace(job->client);
    if (fresh) lane.round.push_back(job->client);
    lane.signatures += n;
    queued_bytes_ += job->body.size();
    it->second.jobs.push_back(std::move(job));
    ++stats_.accepted;
    stats_.queued_signatures = express_.signatures + bulk_.signatures;
  }
  wake_.notify_one();
  return VIGIL_OK;
}

CoalescerStats Coalescer::stats() const {
  std::lock_guard lk(mu_);
  return stats_;
}

Clock::time_point Coalescer::oldest(const Lane& lane) const {
  auto t = Clock::time_point::max();
  for (const auto& [c, q] : lane.clients) t = std::min(t, q.jobs.front()->received);
  return t;
}

Coalescer::Flight* Coalescer::free_flight(bool express) {
  // Flight 0 takes express batches only, so a vote never waits behind
  // large batches for a slot.
  for (size_t i = express ? 0 : 1; i < flights_.size(); ++i)
    if (!flights_[i]->busy) return flights_[i].get();
  return nullptr;
}

void Coalescer::take_batch(Lane& lane, std::vector<std::unique_ptr<Job>>& out) {
  uint32_t n = 0;
  uint64_t bytes = 0;
  bool have_rules = false, full = false;
  crypto::Rules rules{};
  size_t idle_visits = 0;
  const uint64_t max_deficit = uint64_t(opts_.max_batch) + opts_.quantum;
  while (!lane.round.empty() && !full && idle_visits < lane.round.size()) {
    const uint32_t c = lane.round.front();
    auto& q = lane.clients.at(c);
    const uint64_t before = q.deficit;
    q.deficit = std::min(q.deficit + opts_.quantum, max_deficit);
    bool progress = false;
    while (!q.jobs.empty()) {
      Job& j = *q.jobs.front();
      const uint32_t k = uint32_t(j.items.size());
      if (have_rules && j.rules != rules) break;  // next batch; keeps per-client order
      if (k > q.deficit) {
        progress = true;  // its deficit grows each visit until the job fits
        break;
      }
      if (n > 0 &&
          (n + k > opts_.preferred_batch || bytes + j.msg_bytes() > opts_.max_batch_bytes)) {
        full = true;
        break;
      }
      have_rules = true;
      rules = j.rules;
      n += k;
      bytes += j.msg_bytes();
      q.deficit -= k;
      lane.signatures -= k;
      queued_bytes_ -= j.body.size();
      out.push_back(std::move(q.jobs.front()));
      q.jobs.pop_front();
      progress = true;
    }
    if (full && !progress) {
      // The batch filled before this client's turn began: it keeps its
      // place at the head of the round for the next batch.
      q.deficit = before;
      break;
    }
    lane.round.pop_front();
    if (q.jobs.empty()) {
      lane.clients.erase(c);
    } else {
      lane.round.push_back(c);
    }
    idle_visits = progress ? 0 : idle_visits + 1;
  }
}

void Coalescer::dispatch_loop() {
  std::unique_lock lk(mu_);
  std::vector<std::unique_ptr<Job>> jobs, late;
  while (true) {
    if (stopping_ && express_.empty() && bulk_.empty()) break;
    const auto now = Clock::now();
    Lane* lane = nullptr;
    bool express = false;
    if (!express_.empty()) {
      lane = &express_;
      express = true;
    } else if (!bulk_.empty() && (stopping_ || bulk_.signatures >= opts_.preferred_batch ||
                                  now >= oldest(bulk_) + opts_.max_delay)) {
      lane = &bulk_;
    }
    Flight* f = lane ? free_flight(express) : nullptr;
    if (!f) {
      if (!lane && !bulk_.empty()) {
        wake_.wait_until(lk, oldest(bulk_) + opts_.max_delay);
      } else {
        wake_.wait(lk);
      }
      continue;
    }
    f->busy = true;
    take_batch(*lane, jobs);
    stats_.queued_signatures = express_.signatures + bulk_.signatures;
    const uint64_t depth = stats_.queued_signatures;
    // A request already past its deadline is answered without verifying.
    const auto at = Clock::now();
    auto split = std::stable_partition(jobs.begin(), jobs.end(),
                                       [&](const auto& j) { return j->deadline >= at; });
    std::move(split, jobs.end(), std::back_inserter(late));
    jobs.erase(split, jobs.end());
    stats_.deadline += late.size();
    if (jobs.empty()) f->busy = false;
    lk.unlock();

    for (auto& j : late) j->done(Verdicts{VIGIL_ERR_DEADLINE, {}, {}});
    late.clear();
    if (observer_) observer_->queue_depth(depth);
    if (!jobs.empty()) {
      f->batch.clear(jobs.front()->rules);
      uint32_t n = 0;
      for (const auto& j : jobs) {
        for (const auto& it : j->items) f->batch.add(it);
        n += uint32_t(j->items.size());
        if (observer_)
          observer_->queue_delay(std::chrono::duration<double>(at - j->received).count());
      }
      f->batch.seal(!express);  // a coalesced bulk batch never takes the engine's express slot
      if (observer_) observer_->batch(n, uint32_t(jobs.size()));
      f->jobs = std::move(jobs);
      jobs.clear();
      auto fut = engine_.submit(f->batch, f->done);  // blocks while the engine is full
      lk.lock();
      f->pending = std::move(fut);
      ++stats_.batches;
      stats_.signatures += n;
      flight_cv_.notify_all();
    } else {
      lk.lock();
    }
  }
}

void Coalescer::flight_loop(Flight& f) {
  std::unique_lock lk(mu_);
  while (true) {
    flight_cv_.wait(lk,
                    [&] { return (f.busy && f.pending.valid()) || (flights_stop_ && !f.busy); });
    if (!f.busy) return;
    auto fut = std::move(f.pending);
    lk.unlock();
    fut.get();
    finish(f);
    lk.lock();
    f.busy = false;
    wake_.notify_one();
  }
}

void Coalescer::finish(Flight& f) {
  const auto& c = f.done;
  const auto now = Clock::now();
  // A refused batch (a bug of ours: jobs are checked before they queue)
  // answers every job with the refusal, not with verdicts.
  const bool refused = c.summary.status != VIGIL_OK && c.summary.status != VIGIL_ERR_DEVICE_FAULT &&
                       c.summary.status != VIGIL_ERR_DEADLINE;
  size_t at = 0;
  for (auto& j : f.jobs) {
    const uint32_t n = uint32_t(j->items.size());
    Verdicts v;
    if (refused) {
      v.status = vigil_error(c.summary.status);
    } else if (now > j->deadline) {
      v.status = VIGIL_ERR_DEADLINE;
    } else {
      v.verdict.assign(VIGIL_SVC_VERDICT_WORDS(n), 0);
      v.errors.assign(c.errors.begin() + at, c.errors.begin() + at + n);
      for (uint32_t i = 0; i < n; ++i)
        if (c.valid(uint32_t(at + i))) v.verdict[i / 32] |= 1u << (i % 32);
    }
    at += n;
    j->done(std::move(v));
  }
  f.jobs.clear();
}

}  // namespace vigil::service
