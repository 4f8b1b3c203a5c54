// Batcher: fills fixed-capacity batches from admitted frames and hands
// each full one to the verifier through a bounded ring.
//
// A batch is flushed when it is full (items or message bytes) or when its
// oldest item has waited deadline_us (poll() with the current time; time is
// an argument, the batcher reads no clock). Batches come from a pool fixed
// at construction; the consumer pops them from ready() and gives each back
// with recycle(). When every batch is out with the consumer, arriving
// frames are dropped and counted (backpressure), never queued without
// bound.
//
// Threads: add/poll on the producer thread; ready().pop and recycle on the
// consumer thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "host/batch/batch.hpp"
#include "host/batch/spsc_ring.hpp"

namespace vigil::batch {

struct BatcherConfig {
  uint32_t max_items = 1024;
  uint32_t max_msg_bytes = 1024 * 256;
  uint64_t deadline_us = 500;
  uint32_t pool = 8;  // batches in flight, at least 2
  vigil_rules rules = VIGIL_RULES_ZIP215;
  // Batches are bulk (VIGIL_BATCH_FLAG_BULK): large to the accelerator even
  // when a deadline flushed them with few items. False for a batcher of
  // votes, whose small batches take the express lane.
  bool bulk = true;
};

struct BatcherCounters {
  uint64_t items = 0;              // items that went into a batch
  uint64_t flushed_full = 0;       // batches flushed because full
  uint64_t flushed_deadline = 0;   // batches flushed by the deadline
  uint64_t dropped_no_batch = 0;   // items dropped: every batch in flight
  uint64_t dropped_too_large = 0;  // items larger than a whole batch's message area
};

class Batcher {
 public:
  explicit Batcher(const BatcherConfig& config);

  // Adds one item at time now_us; false when it was dropped (counted).
  bool add(const uint8_t* public_key, const uint8_t* signature, std::span<const uint8_t> message,
           uint32_t src_addr, uint64_t now_us);
  // Adds a transaction frame: its item's message is the frame's signed
  // message (domain, header, payload), what the engines must verify.
  bool add(const ingest::FrameView& frame, uint32_t src_addr, uint64_t now_us);
  // Flushes the open batch if its deadline has passed; true if it did.
  bool poll(uint64_t now_us);
  // Flushes the open batch now if it has items (shutdown, tests).
  bool flush();

  // Consumer side.
  SpscRing<Batch*>& ready() { return ready_; }
  void recycle(Batch* b) { free_.push(b); }

  const BatcherCounters& counters() const { return counters_; }
  const BatcherConfig& config() const { return config_; }
  size_t memory_bytes() const;

 private:
  bool open_batch();
  // The open batch with room for one message of message_len bytes, or null
  // (the drop counted).
  Batch* room_for(size_t message_len, uint64_t now_us);
  void added();
  void publish(bool by_deadline);

  BatcherConfig config_;
  std::vector<std::unique_ptr<Batch>> pool_;
  SpscRing<Batch*> ready_;
  SpscRing<Batch*> free_;
  Batch* open_ = nullptr;
  uint64_t sequence_ = 0;
  BatcherCounters counters_;
};

}  // namespace vigil::batch
