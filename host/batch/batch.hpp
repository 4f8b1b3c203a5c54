// Batch: a fixed-capacity verification batch laid out exactly as
// firmware-interface/vigil/fi/batch.h describes, in one buffer a device
// driver can copy or map as it is:
//
// (VIGIL_BATCH_BYTES_MAX and its offsets):
//
//   offset 0           vigil_batch_desc (48 bytes, padded to 64)
//   pubkey_off         capacity * 32 bytes
//   sig_off            capacity * 64 bytes
//   msg_offsets_off    (capacity + 1) u32
//   msg_off            message area, msg_capacity bytes
//
// Offsets depend only on the capacities, so they are written once and
// items append in place. Beside the buffer (not part of the contract) each
// item keeps its source address, so verification failures can be reported
// back to ingest's rate limits, and its frame's ticket (FrameTicket: the
// dedup tag and key id ingest computed), so recording a verified item
// hashes nothing again.
//
// Promise: memory fixed at construction; add() copies and never allocates;
// desc().count and the message offsets always describe exactly the items
// added since the last clear().
#pragma once

#include <vigil/fi/contract.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "host/ingest/frame.hpp"

namespace vigil::batch {

class Batch {
 public:
  // bulk: mark the batch VIGIL_BATCH_FLAG_BULK (large, whatever its count).
  Batch(uint32_t capacity, uint32_t msg_capacity, vigil_rules rules = VIGIL_RULES_ZIP215,
        bool bulk = false);

  // Appends one item; false (nothing changed) when the batch has no room
  // for it (items or message bytes).
  bool add(const uint8_t* public_key, const uint8_t* signature, std::span<const uint8_t> message,
           uint32_t src_addr);
  // Appends a parsed transaction frame; its message is exactly the bytes
  // the frame's signature covers (ingest::frame_signed_message).
  bool add(const ingest::FrameView& frame, uint32_t src_addr);
  bool fits(size_t message_len) const {
    return count() < capacity_ && desc().msg_bytes + message_len <= msg_capacity_;
  }
  void clear();

  uint32_t count() const { return desc().count; }
  bool empty() const { return count() == 0; }
  uint32_t capacity() const { return capacity_; }
  uint32_t msg_capacity() const { return msg_capacity_; }

  const vigil_batch_desc& desc() const {
    return *reinterpret_cast<const vigil_batch_desc*>(buf_.get());
  }
  // The whole buffer, descriptor included (what a driver transfers).
  std::span<const uint8_t> buffer() const { return {buf_.get(), size_}; }
  // Bytes this batch holds: the buffer and the per-item side data.
  size_t memory_bytes() const { return sizeof(*this) + size_ + meta_.size() * sizeof(Meta); }
  // The buffer up to the end of the messages used so far.
  size_t used_bytes() const { return desc().msg_off + desc().msg_bytes; }

  const uint8_t* public_key(uint32_t i) const { return buf_.get() + desc().pubkey_off + 32 * i; }
  const uint8_t* signature(uint32_t i) const { return buf_.get() + desc().sig_off + 64 * i; }
  std::span<const uint8_t> message(uint32_t i) const;
  uint32_t source(uint32_t i) const { return meta_[i].source; }
  // The ticket of item i when it was added as a frame; zero otherwise.
  const ingest::FrameTicket& ticket(uint32_t i) const { return meta_[i].ticket; }

  // When the first item went in (the batcher's deadline runs from it).
  uint64_t opened_us = 0;
  // Set by the batcher: the how-manieth batch this is.
  uint64_t sequence = 0;

 private:
  uint8_t* next_message() { return buf_.get() + desc().msg_off + desc().msg_bytes; }
  // Records item count() whose message is already in place at next_message().
  void append(const uint8_t* public_key, const uint8_t* signature, size_t message_len,
              uint32_t src_addr, const ingest::FrameTicket& ticket);
  vigil_batch_desc& desc_mut() { return *reinterpret_cast<vigil_batch_desc*>(buf_.get()); }
  uint32_t* offsets() { return reinterpret_cast<uint32_t*>(buf_.get() + desc().msg_offsets_off); }
  const uint32_t* offsets() const {
    return reinterpret_cast<const uint32_t*>(buf_.get() + desc().msg_offsets_off);
  }

  struct FreeAligned {
    void operator()(uint8_t* p) const;
  };
  uint32_t capacity_;
  uint32_t msg_capacity_;
  size_t size_;
  std::unique_ptr<uint8_t[], FreeAligned> buf_;
  struct Meta {
    uint32_t source;
    ingest::FrameTicket ticket;
  };
  std::vector<Meta> meta_;
};

}  // namespace vigil::batch
