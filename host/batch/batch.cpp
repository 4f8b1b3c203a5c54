#include "host/batch/batch.hpp"

#include <cstdlib>
#include <cstring>
#include <new>

namespace vigil::batch {

namespace {
constexpr size_t kAlign = VIGIL_BATCH_ALIGN;
}  // namespace

void Batch::FreeAligned::operator()(uint8_t* p) const {
  std::free(p);
}

Batch::Batch(uint32_t capacity, uint32_t msg_capacity, vigil_rules rules, bool bulk)
    : capacity_(capacity == 0 ? 1 : (capacity > VIGIL_BATCH_MAX ? VIGIL_BATCH_MAX : capacity)),
      msg_capacity_(msg_capacity),
      meta_(capacity_) {
  vigil_batch_desc d{};
  d.rules = uint8_t(rules);
  d.flags = bulk ? VIGIL_BATCH_FLAG_BULK : 0;
  d.scheme = VIGIL_SCHEME_ED25519;
  // The contract's layout (VIGIL_BATCH_BYTES_MAX): drivers size their
  // staging buffers with the same macros, so a batch with an engine's
  // capacities always fits it.
  d.pubkey_off = VIGIL_BATCH_PUBKEY_OFF;
  d.sig_off = VIGIL_BATCH_SIG_OFF(capacity_);
  d.msg_offsets_off = VIGIL_BATCH_MSG_OFFSETS_OFF(capacity_);
  d.msg_off = VIGIL_BATCH_MSG_OFF(capacity_);
  size_ = VIGIL_BATCH_BYTES_MAX(capacity_, msg_capacity_);
  buf_.reset(static_cast<uint8_t*>(std::aligned_alloc(kAlign, size_)));
  if (!buf_) throw std::bad_alloc();  // start-up only
  std::memset(buf_.get(), 0, size_);
  std::memcpy(buf_.get(), &d, sizeof d);
}

void Batch::clear() {
  desc_mut().count = 0;
  desc_mut().msg_bytes = 0;
  offsets()[0] = 0;
  opened_us = 0;
}

bool Batch::add(const uint8_t* public_key, const uint8_t* signature,
                std::span<const uint8_t> message, uint32_t src_addr) {
  if (!fits(message.size())) return false;
  if (!message.empty()) std::memcpy(next_message(), message.data(), message.size());
  append(public_key, signature, message.size(), src_addr, {});
  return true;
}

bool Batch::add(const ingest::FrameView& frame, uint32_t src_addr) {
  const size_t len = ingest::signed_message_size(frame.payload.size());
  if (!fits(len)) return false;
  ingest::frame_signed_message(frame, {next_message(), len});
  append(frame.public_key, frame.signature, len, src_addr, frame.ticket);
  return true;
}

void Batch::append(const uint8_t* public_key, const uint8_t* signature, size_t message_len,
                   uint32_t src_addr, const ingest::FrameTicket& ticket) {
  vigil_batch_desc& d = desc_mut();
  const uint32_t i = d.count;
  uint8_t* base = buf_.get();
  std::memcpy(base + d.pubkey_off + 32 * size_t(i), public_key, 32);
  std::memcpy(base + d.sig_off + 64 * size_t(i), signature, 64);
  d.msg_bytes += uint32_t(message_len);
  offsets()[i + 1] = d.msg_bytes;
  meta_[i] = {src_addr, ticket};
  d.count = i + 1;
}

std::span<const uint8_t> Batch::message(uint32_t i) const {
  const uint32_t* off = offsets();
  return {buf_.get() + desc().msg_off + off[i], size_t(off[i + 1] - off[i])};
}

}  // namespace vigil::batch
