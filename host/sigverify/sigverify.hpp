// Sigverify: the verify tile vigild runs between its packet port and its
// mempool. One thread:
//
//   datagrams (a PacketPort burst, or spans with their source)
//     -> Ingest::admit (token, budgets, parse, dedup lookup, key budget)
//     -> Batcher (size or deadline)
//     -> Accelerator::submit
//     -> on completion, item by item:
//          valid:   Ingest::record_verified (dedup records verified
//                   frames only; the key's budget is charged), then the
//                   frame goes out on the verified() ring
//          invalid: Ingest::report_invalid_signature charges the proven
//                   source that sent it (or the shared unproven budget)
//   token requests are answered on the port they came from.
//
// Promise: every datagram ends in exactly one place: a verified frame on
// the ring, or a counter with its reason (ingest's drops, batcher
// backpressure, refused batches, invalid signatures, duplicates found after
// verification, a full output ring, frames shed unverified while the output
// ring is over its mark, frames the consumer's screen refused unverified). Memory is fixed at
// construction: the output ring has `out_capacity` slots and counts what does not fit, the batches
// come from the batcher's pool, at most that many are in flight. run() sleeps when there is nothing
// to do (never a busy loop): on the oldest batch in flight, or for at most `idle_sleep`, never past
// the open batch's deadline.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <span>
#include <vector>

#include "drivers/accel/accelerator.hpp"
#include "drivers/net/packet_port.hpp"
#include "host/batch/batcher.hpp"
#include "host/batch/spsc_ring.hpp"
#include "host/ingest/ingest.hpp"

namespace vigil::sigverify {

// A transaction whose signature verified, as the client signed it (the
// frame without its address token).
struct VerifiedFrame {
  uint32_t source = 0;  // proven source address, or ingest::kUnprovenSource
  uint16_t size = 0;
  std::array<uint8_t, VIGIL_TX_FRAME_MAX> bytes{};
  std::span<const uint8_t> frame() const { return {bytes.data(), size}; }
};

// A signature that failed verification (for a node's /tx answers).
using InvalidSignature = std::array<uint8_t, 64>;

struct SigverifyConfig {
  ingest::IngestConfig ingest;
  batch::BatcherConfig batcher;
  size_t out_capacity = 4096;
  // Slots of the invalid() ring; 0: invalid signatures are only counted.
  size_t invalid_capacity = 0;
  std::chrono::microseconds idle_sleep{1000};
  // Backpressure: while the output ring holds at least this many frames
  // (its consumer stopped taking them: the mempool is full), new frames are
  // dropped before ingest, counted as `shed`, instead of being verified
  // only to be refused downstream (the work an overloaded node can least
  // afford). Token requests are still answered. 0: never.
  size_t shed_above = 0;
  // Called on this thread for each frame ingest admitted, before it is
  // batched: false drops it unverified, counted `screened` (the consumer
  // would refuse it on fields its signature covers, e.g. a nonce its
  // sender has passed or is too far ahead of). It must not keep anything
  // of the frame: the signature is not checked yet. Optional.
  std::function<bool(const ingest::FrameView&)> screen;
  // Called on this thread as each batch completes: its items and the time
  // from submit to completion seen (metrics). Optional.
  std::function<void(uint32_t items, uint64_t latency_ns)> on_batch;
};

struct SigverifyCounters {
  uint64_t batches_submitted = 0;
  uint64_t batches_completed = 0;
  uint64_t batches_refused = 0;  // the engine refused the batch (its items counted below)
  uint64_t items_refused = 0;
  uint64_t verified = 0;  // valid and new: pushed to the ring or dropped there
  uint64_t invalid = 0;   // bad signatures, each reported to ingest
  uint64_t duplicates_after_verify = 0;
  uint64_t out_dropped = 0;         // verified, but the output ring was full
  uint64_t shed = 0;                // dropped unverified: the output ring was over shed_above
  uint64_t screened = 0;            // dropped unverified: the screen refused them
  uint64_t invalid_unreported = 0;  // the invalid() ring was full
  uint64_t token_replies = 0;
  uint64_t token_replies_unsent = 0;  // the port did not take the grant
  uint64_t idle_sleeps = 0;
  uint64_t busy_ns = 0;  // run(): time in turns that found work
};

class Sigverify {
 public:
  // `engine` must outlive this object.
  Sigverify(const SigverifyConfig& config, accel::Accelerator& engine);
  // Waits for every batch in flight (their verdicts are processed).
  ~Sigverify();
  Sigverify(const Sigverify&) = delete;
  Sigverify& operator=(const Sigverify&) = delete;

  // Admits datagrams received at now_ns. Token requests are answered on
  // `reply_port` when given.
  void push(std::span<const net::Packet> burst, uint64_t now_ns,
            net::PacketPort* reply_port = nullptr);
  void push(std::span<const uint8_t> datagram, uint32_t src_addr, uint64_t now_ns);
  // Flushes a batch past its deadline, submits ready batches and processes
  // finished ones, without waiting. True when it did any of that.
  bool poll(uint64_t now_ns);
  // Submits the open batch and waits for every batch in flight (shutdown,
  // tests).
  void drain(uint64_t now_ns);
  // The tile: receives from `port` and works until `stop` is set, then
  // drains. Time is the steady clock. `each`, when given, runs once per
  // turn on this thread (other inputs, publishing counters) and returns
  // true when it pushed work.
  void run(net::PacketPort& port, const std::atomic<bool>& stop,
           const std::function<bool(uint64_t now_ns)>& each = {});

  // Verified frames, for the consumer thread (the mempool).
  batch::SpscRing<VerifiedFrame>& verified() { return out_; }
  // Signatures that failed, for the same consumer (when invalid_capacity > 0).
  batch::SpscRing<InvalidSignature>& invalid() { return invalid_out_; }
  const SigverifyCounters& counters() const { return counters_; }
  const ingest::Ingest& ingest() const { return ingest_; }
  const batch::Batcher& batcher() const { return batcher_; }
  size_t in_flight() const { return in_flight_; }

 private:
  struct Flight {
    batch::Batch* batch = nullptr;
    accel::Completion done;
    std::future<void> ready;
    uint64_t submitted_ns = 0;
  };
  void submit_ready();
  bool complete_finished(bool wait_all, uint64_t now_ns);
  void finish(Flight& f, uint64_t now_ns);
  // Sleeps until there may be work: on the oldest flight, or idle_sleep.
  void idle_wait(uint64_t now_ns);
  bool shedding() const { return config_.shed_above && out_.size() >= config_.shed_above; }
  // Batches an admitted frame unless the screen refuses it.
  void batch_admitted(const ingest::FrameView& v, uint64_t now_ns);

  SigverifyConfig config_;
  accel::Accelerator& engine_;
  ingest::Ingest ingest_;
  batch::Batcher batcher_;
  batch::SpscRing<VerifiedFrame> out_;
  batch::SpscRing<InvalidSignature> invalid_out_;
  std::vector<Flight> flights_;  // one per pooled batch
  size_t in_flight_ = 0;
  SigverifyCounters counters_;
};

}  // namespace vigil::sigverify
