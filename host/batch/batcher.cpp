#include "host/batch/batcher.hpp"

#include <algorithm>

namespace vigil::batch {

Batcher::Batcher(const BatcherConfig& config)
    : config_(config),
      ready_(std::max<uint32_t>(config.pool, 2)),
      free_(std::max<uint32_t>(config.pool, 2)) {
  config_.pool = std::max<uint32_t>(config_.pool, 2);
  for (uint32_t i = 0; i < config_.pool; ++i) {
    pool_.push_back(std::make_unique<Batch>(config_.max_items, config_.max_msg_bytes, config_.rules,
                                            config_.bulk));
    free_.push(pool_.back().get());
  }
}

size_t Batcher::memory_bytes() const {
  size_t n = sizeof(*this) + (ready_.capacity() + free_.capacity()) * sizeof(Batch*);
  for (const auto& b : pool_) n += b->memory_bytes();
  return n;
}

bool Batcher::open_batch() {
  if (open_) return true;
  if (!free_.pop(open_)) {
    open_ = nullptr;
    return false;
  }
  open_->clear();
  return true;
}

void Batcher::publish(bool by_deadline) {
  open_->sequence = sequence_++;
  // Cannot fail: ready_ holds as many slots as there are batches.
  ready_.push(open_);
  ++(by_deadline ? counters_.flushed_deadline : counters_.flushed_full);
  open_ = nullptr;
}

Batch* Batcher::room_for(size_t message_len, uint64_t now_us) {
  if (message_len > config_.max_msg_bytes) {
    ++counters_.dropped_too_large;
    return nullptr;
  }
  if (!open_batch()) {
    ++counters_.dropped_no_batch;
    return nullptr;
  }
  if (!open_->fits(message_len)) {
    publish(false);
    if (!open_batch()) {
      ++counters_.dropped_no_batch;
      return nullptr;
    }
  }
  if (open_->empty()) open_->opened_us = now_us;
  return open_;
}

void Batcher::added() {
  ++counters_.items;
  if (open_->count() == open_->capacity()) publish(false);
}

bool Batcher::add(const uint8_t* public_key, const uint8_t* signature,
                  std::span<const uint8_t> message, uint32_t src_addr, uint64_t now_us) {
  Batch* b = room_for(message.size(), now_us);
  if (!b) return false;
  b->add(public_key, signature, message, src_addr);
  added();
  return true;
}

bool Batcher::add(const ingest::FrameView& frame, uint32_t src_addr, uint64_t now_us) {
  Batch* b = room_for(ingest::signed_message_size(frame.payload.size()), now_us);
  if (!b) return false;
  b->add(frame, src_addr);
  added();
  return true;
}

bool Batcher::poll(uint64_t now_us) {
  if (!open_ || open_->empty() || now_us - open_->opened_us < config_.deadline_us) return false;
  publish(true);
  return true;
}

bool Batcher::flush() {
  if (!open_ || open_->empty()) return false;
  publish(true);
  return true;
}

}  // namespace vigil::batch
