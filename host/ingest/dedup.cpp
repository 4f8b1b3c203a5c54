#include "host/ingest/dedup.hpp"

#include <bit>

#include "host/ingest/keyed_hash.hpp"

namespace vigil::ingest {

SignatureDedup::SignatureDedup(size_t depth, uint64_t seed)
    : seed_(seed | 1),
      ring_(depth ? depth : 1),
      map_(std::bit_ceil(2 * (depth ? depth : 1))),
      mask_(map_.size() - 1) {}

uint64_t SignatureDedup::tag(const uint8_t* signature64) const {
  // 0 marks an empty map slot, so a zero hash is moved to 1.
  const uint64_t h = keyed_hash_words(seed_, signature64, 8);
  return h ? h : 1;
}

bool SignatureDedup::contains(uint64_t t) const {
  for (size_t i = slot_of(t);; i = (i + 1) & mask_) {
    if (map_[i] == t) return true;
    if (map_[i] == 0) return false;
  }
}

void SignatureDedup::map_remove(uint64_t t) {
  size_t i = slot_of(t);
  while (map_[i] != t) {
    if (map_[i] == 0) return;
    i = (i + 1) & mask_;
  }
  // Backward-shift deletion keeps every probe chain unbroken without
  // tombstones, so the map never fills up with dead slots.
  size_t hole = i;
  for (size_t j = (i + 1) & mask_; map_[j] != 0; j = (j + 1) & mask_) {
    const size_t home = slot_of(map_[j]);
    // Move map_[j] into the hole unless its home lies cyclically in (hole, j].
    const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!stays) {
      map_[hole] = map_[j];
      hole = j;
    }
  }
  map_[hole] = 0;
}

void SignatureDedup::insert(uint64_t t) {
  if (count_ == ring_.size()) {
    map_remove(ring_[head_]);
    ++evicted_;
  } else {
    ++count_;
  }
  ring_[head_] = t;
  head_ = head_ + 1 == ring_.size() ? 0 : head_ + 1;
  size_t i = slot_of(t);
  while (map_[i] != 0) i = (i + 1) & mask_;
  map_[i] = t;
}

bool SignatureDedup::check_and_insert(uint64_t t) {
  if (contains(t)) return true;
  insert(t);
  return false;
}

}  // namespace vigil::ingest
