#include "host/ingest/dedup.hpp"

#include <bit>
#include <cstring>

namespace vigil::ingest {

SignatureDedup::SignatureDedup(size_t depth, const HashKey& key)
    : key_(key.derive(0)),
      ring_(depth ? depth : 1),
      map_(std::bit_ceil(std::max<size_t>(4 * (depth ? depth : 1), kMaxProbe))),
      mask_(map_.size() - 1) {
  for (size_t i = 0; i < nh_key_.size(); ++i) nh_key_[i] = key.mac_u64(1 + i);
}

namespace {
// NH over 64-bit words: the sum of (m[2i] + k[2i]) * (m[2i+1] + k[2i+1]),
// each product 128 bits, the sum mod 2^128 (words mod 2^64).
unsigned __int128 nh(const uint8_t* bytes, size_t words, const uint64_t* key) {
  unsigned __int128 sum = 0;
  for (size_t i = 0; i < words; i += 2) {
    const uint64_t a = siphash::load_le64(bytes + 8 * i) + key[i];
    const uint64_t b = siphash::load_le64(bytes + 8 * i + 8) + key[i + 1];
    sum += static_cast<unsigned __int128>(a) * b;
  }
  return sum;
}
}  // namespace

uint64_t SignatureDedup::tag(const uint8_t* signature64, const uint8_t* public_key32) const {
  const unsigned __int128 c =
      nh(signature64, 8, nh_key_.data()) + nh(public_key32, 4, nh_key_.data() + 8);
  uint8_t compressed[16];
  for (int i = 0; i < 16; ++i) compressed[i] = uint8_t(c >> (8 * i));
  // 0 marks an empty slot, so a zero hash is moved to 1.
  const uint64_t h = key_.table(compressed, sizeof compressed);
  return h ? h : 1;
}

size_t SignatureDedup::probe(uint64_t t) const {
  size_t i = slot_of(t);
  for (size_t n = 1;; ++n, i = (i + 1) & mask_) {
    if (map_[i] == t || map_[i] == 0) return saw_probe(n), i;
    if (n == kMaxProbe) return saw_probe(n), kNoSlot;
  }
}

bool SignatureDedup::contains(uint64_t t) const {
  const size_t i = probe(t);
  return i != kNoSlot && map_[i] == t;
}

void SignatureDedup::map_remove(uint64_t t) {
  if (t == 0) return;
  size_t i = slot_of(t);
  size_t n = 1;
  for (; map_[i] != t; ++n, i = (i + 1) & mask_)
    if (map_[i] == 0 || n == kMaxProbe) return;
  // Backward-shift deletion keeps every probe chain unbroken without
  // tombstones; it only moves tags closer to their home slots, so every tag
  // stays within kMaxProbe of home.
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

void SignatureDedup::forget_oldest() {
  // The tag evicted a few inserts from now: its slot loads meanwhile.
  size_t ahead = head_ + 8;
  if (ahead >= ring_.size()) ahead %= ring_.size();
  prefetch(ring_[ahead]);
  map_remove(ring_[head_]);
  ring_[head_] = 0;
  --count_;
  ++evicted_;
}

void SignatureDedup::ring_push(uint64_t t) {
  ring_[head_] = t;
  head_ = head_ + 1 == ring_.size() ? 0 : head_ + 1;
  ++count_;
}

bool SignatureDedup::insert(uint64_t t) {
  if (count_ == ring_.size()) forget_oldest();
  const size_t i = probe(t);  // the caller checked: a free slot, if any
  if (i == kNoSlot) {
    ++refused_;
    return false;  // ring_[head_] stays free for the next insert
  }
  map_[i] = t;
  ring_push(t);
  return true;
}

bool SignatureDedup::check_and_insert(uint64_t t) {
  // One probe answers both: the tag, or the first free slot of its chain,
  // where it goes. The oldest tag is forgotten after the tag is placed (the
  // map holds depth + 1 tags for that moment, far under its capacity):
  // backward-shift deletion keeps the new tag's chain unbroken.
  const size_t i = probe(t);
  if (i == kNoSlot) {
    ++refused_;
    return false;
  }
  if (map_[i] == t) return true;
  map_[i] = t;
  // Never t itself (t was not in the map); the shift may move t nearer home.
  if (count_ == ring_.size()) forget_oldest();
  ring_push(t);
  return false;
}

}  // namespace vigil::ingest
