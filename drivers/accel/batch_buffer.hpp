// A batch packed in the contract layout (firmware-interface/vigil/fi/batch.h)
// in one contiguous buffer, the form every engine takes and a device copies
// in one transfer:
//
//   [vigil_batch_desc][pubkeys n*32][signatures n*64][offsets (n+1)*4][messages]
//
// Capacity is fixed at construction: add() refuses items past it instead of
// growing, so a hot path that reuses one BatchBuffer never allocates.
#pragma once

#include <vigil/fi/batch.h>

#include <cstdint>
#include <span>
#include <vector>

#include "host/crypto/ed25519.hpp"

namespace vigil::accel {

// A sealed batch in the contract layout, whoever packed it (BatchBuffer
// here, vigil::batch::Batch in host/batch): the descriptor at byte 0 of an
// 8-byte aligned buffer, every region at the descriptor's offsets. Engines
// take batches as views, so a producer hands its own buffer over uncopied;
// the bytes must stay alive and unchanged until the batch completes.
struct BatchView {
  std::span<const uint8_t> bytes;

  // True when the descriptor fits the buffer: every region it names lies
  // inside `bytes` (the kernels' own check, so both paths agree).
  bool well_formed() const;
  const vigil_batch_desc& desc() const {
    return *reinterpret_cast<const vigil_batch_desc*>(bytes.data());
  }
  uint32_t count() const { return bytes.size() < sizeof(vigil_batch_desc) ? 0 : desc().count; }
  crypto::Rules rules() const { return static_cast<crypto::Rules>(desc().rules); }
  // False when item i's message offsets are out of order or past the
  // message area (the kernel reports VIGIL_ERR_MALFORMED for it).
  bool item_ok(uint32_t i) const;
  // Item i (well_formed() and item_ok(i) first), pointing into `bytes`.
  crypto::VerifyItem item(uint32_t i) const;
};

class BatchBuffer {
 public:
  BatchBuffer(uint32_t max_items, uint32_t max_msg_bytes);

  void clear(crypto::Rules rules);
  // False (nothing added) when the batch is full or the message does not fit.
  bool add(const uint8_t* pubkey, const uint8_t* signature, std::span<const uint8_t> message);
  bool add(const crypto::VerifyItem& item) {
    return add(item.public_key, item.signature, item.message);
  }
  // Writes the descriptor and lays the parts out; call before bytes().
  // bulk: mark it VIGIL_BATCH_FLAG_BULK, a throughput batch that takes the
  // large lane whatever its count (the express slot stays for votes).
  void seal(bool bulk = false);

  uint32_t count() const { return count_; }
  crypto::Rules rules() const { return rules_; }
  uint32_t max_items() const { return max_items_; }
  // The packed batch (valid after seal()).
  std::span<const uint8_t> bytes() const { return {packed_.data(), packed_size_}; }
  BatchView view() const { return {bytes()}; }
  const vigil_batch_desc& desc() const {
    return *reinterpret_cast<const vigil_batch_desc*>(packed_.data());
  }
  // Item i as a VerifyItem pointing into the packed buffer (after seal()).
  crypto::VerifyItem item(uint32_t i) const { return view().item(i); }

 private:
  uint32_t max_items_, max_msg_bytes_;
  crypto::Rules rules_ = crypto::Rules::zip215;
  uint32_t count_ = 0;
  std::vector<uint8_t> keys_, sigs_, msgs_;
  std::vector<uint32_t> offsets_;
  std::vector<uint8_t> packed_;
  size_t packed_size_ = 0;
};

// Bytes a sealed batch of n items with m message bytes occupies here
// (at most VIGIL_BATCH_BYTES_MAX(n, m)).
size_t packed_batch_size(uint32_t n, uint32_t m);

}  // namespace vigil::accel
