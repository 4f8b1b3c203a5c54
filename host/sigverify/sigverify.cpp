#include "host/sigverify/sigverify.hpp"

#include <cstring>
#include <thread>

namespace vigil::sigverify {

namespace {
uint64_t steady_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

// Verdicts that prove the sender signed badly (not a refused batch).
bool signature_verdict(uint8_t e) {
  return e >= VIGIL_ERR_SIG_INVALID && e <= VIGIL_ERR_SMALL_ORDER;
}
}  // namespace

Sigverify::Sigverify(const SigverifyConfig& config, accel::Accelerator& engine)
    : config_(config),
      engine_(engine),
      ingest_(config.ingest),
      batcher_(config.batcher),
      out_(config.out_capacity),
      invalid_out_(config.invalid_capacity),
      flights_(batcher_.config().pool) {}

Sigverify::~Sigverify() {
  drain(steady_ns());
}

void Sigverify::push(std::span<const uint8_t> datagram, uint32_t src_addr, uint64_t now_ns) {
  if (shedding()) {
    ++counters_.shed;
    return;
  }
  ingest::FrameView v;
  if (ingest_.admit(datagram, src_addr, now_ns, v) == VIGIL_OK) batch_admitted(v, now_ns);
}

void Sigverify::batch_admitted(const ingest::FrameView& v, uint64_t now_ns) {
  if (config_.screen && !config_.screen(v)) {
    ++counters_.screened;
    return;
  }
  batcher_.add(v, v.source, now_ns / 1000);
}

void Sigverify::push(std::span<const net::Packet> burst, uint64_t now_ns,
                     net::PacketPort* reply_port) {
  // Frames go through ingest a burst at a time (admit_burst); token
  // requests are answered as they come.
  std::array<ingest::Datagram, net::kBurst> in;
  std::array<ingest::FrameView, net::kBurst> views;
  std::array<vigil_error, net::kBurst> verdicts;
  size_t n = 0;
  const bool shed = shedding();  // once a burst: the ring's indices are shared lines
  auto admit = [&] {
    ingest_.admit_burst({in.data(), n}, now_ns, views, verdicts);
    for (size_t i = 0; i < n; ++i)
      if (verdicts[i] == VIGIL_OK) batch_admitted(views[i], now_ns);
    n = 0;
  };
  for (const net::Packet& p : burst) {
    if (!ingest::is_token_request(p.bytes())) {
      if (shed) {
        ++counters_.shed;
        continue;
      }
      in[n++] = {p.bytes(), p.src_addr};
      if (n == in.size()) admit();
      continue;
    }
    vigil_addr_token grant;
    const size_t g = ingest_.grant_token(p.bytes(), p.src_addr, now_ns,
                                         {reinterpret_cast<uint8_t*>(&grant), sizeof grant});
    if (g == 0 || !reply_port) continue;
    const net::OutPacket reply{.payload = {reinterpret_cast<const uint8_t*>(&grant), g},
                               .src_addr = 0,
                               .src_port = p.dst_port,
                               .dst_addr = p.src_addr,
                               .dst_port = p.src_port,
                               .timestamp_ns = now_ns};
    ++counters_.token_replies;
    counters_.token_replies_unsent += reply_port->tx_burst({&reply, 1}) == 0;
  }
  admit();
}

void Sigverify::submit_ready() {
  batch::Batch* b;
  while (in_flight_ < flights_.size() && batcher_.ready().pop(b)) {
    Flight* f = nullptr;
    for (Flight& x : flights_)
      if (!x.batch) {
        f = &x;
        break;
      }
    f->batch = b;
    f->submitted_ns = steady_ns();
    // The engine reads exactly the descriptor's regions.
    f->ready = engine_.submit(accel::BatchView{b->buffer().first(b->used_bytes())}, f->done);
    ++in_flight_;
    ++counters_.batches_submitted;
  }
}

void Sigverify::finish(Flight& f, uint64_t now_ns) {
  batch::Batch& b = *f.batch;
  const accel::Completion& c = f.done;
  const uint32_t n = b.count();
  const bool refused = c.summary.status != VIGIL_OK && c.summary.status != VIGIL_ERR_DEVICE_FAULT &&
                       c.summary.status != VIGIL_ERR_DEADLINE;
  if (refused) {
    ++counters_.batches_refused;
    counters_.items_refused += n;
  }
  constexpr uint32_t kAhead = 8;  // items whose dedup and key lines load meanwhile
  for (uint32_t i = 0; i < n && !refused; ++i) {
    if (i + kAhead < n) ingest_.prefetch(b.ticket(i + kAhead));
    if (!c.valid(i)) {
      if (signature_verdict(c.errors[i])) {
        ++counters_.invalid;
        ingest_.report_invalid_signature(b.source(i), now_ns);
        if (config_.invalid_capacity) {
          InvalidSignature sig;
          std::memcpy(sig.data(), b.signature(i), sig.size());
          counters_.invalid_unreported += !invalid_out_.push(sig);
        }
      } else {
        ++counters_.items_refused;  // malformed item: the packer's fault, no one is charged
      }
      continue;
    }
    if (!ingest_.record_verified(b.ticket(i), now_ns)) {
      ++counters_.duplicates_after_verify;
      continue;
    }
    ++counters_.verified;
    VerifiedFrame out;
    out.source = b.source(i);
    out.size = uint16_t(ingest::frame_from_signed_message(
        b.message(i), std::span<const uint8_t, 32>(b.public_key(i), 32),
        std::span<const uint8_t, 64>(b.signature(i), 64), out.bytes));
    if (!out_.push(out)) ++counters_.out_dropped;
  }
  ++counters_.batches_completed;
  if (config_.on_batch) config_.on_batch(n, steady_ns() - f.submitted_ns);
  batcher_.recycle(f.batch);
  f.batch = nullptr;
  --in_flight_;
}

bool Sigverify::complete_finished(bool wait_all, uint64_t now_ns) {
  bool any = false;
  for (Flight& f : flights_) {
    if (!f.batch) continue;
    if (wait_all) {
      f.ready.wait();
    } else if (f.ready.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      continue;
    }
    finish(f, now_ns);
    any = true;
  }
  return any;
}

bool Sigverify::poll(uint64_t now_ns) {
  const bool flushed = batcher_.poll(now_ns / 1000);
  const size_t before = counters_.batches_submitted;
  submit_ready();
  const bool completed = complete_finished(false, now_ns);
  return flushed || completed || counters_.batches_submitted != before;
}

void Sigverify::drain(uint64_t now_ns) {
  batcher_.flush();
  while (batcher_.ready().size() || in_flight_) {
    submit_ready();
    complete_finished(true, now_ns);
  }
}

void Sigverify::idle_wait(uint64_t now_ns) {
  ++counters_.idle_sleeps;
  auto wait = std::chrono::nanoseconds(config_.idle_sleep);
  // Never past the open batch's deadline (it would wait for the next packet).
  const uint64_t deadline_ns = batcher_.config().deadline_us * 1000;
  if (deadline_ns) wait = std::min(wait, std::chrono::nanoseconds(deadline_ns));
  for (Flight& f : flights_)
    if (f.batch) {
      f.ready.wait_for(wait);
      return;
    }
  (void)now_ns;
  std::this_thread::sleep_for(wait);
}

void Sigverify::run(net::PacketPort& port, const std::atomic<bool>& stop,
                    const std::function<bool(uint64_t now_ns)>& each) {
  std::vector<net::Packet> burst(net::kBurst);
  while (!stop.load(std::memory_order_relaxed)) {
    const size_t n = port.rx_burst(burst);
    const uint64_t now = steady_ns();
    push({burst.data(), n}, now, &port);
    const bool other = each && each(now);
    if (!poll(now) && n == 0 && !other) {
      idle_wait(now);
      continue;
    }
    counters_.busy_ns += steady_ns() - now;
  }
  drain(steady_ns());
}

}  // namespace vigil::sigverify
