// SignatureDedup: "have I seen this signature recently?" in fixed memory,
// after Firedancer's tcache. A ring remembers the last `depth` tags in
// arrival order; an open-addressed map (at most half full) finds them. When
// the ring is full the oldest tag is forgotten first.
//
// A tag is a keyed 64-bit hash of the whole 64-byte signature: with a
// secret seed an attacker cannot aim a junk frame at an honest frame's tag,
// and two different signatures share a tag with probability 2^-64.
//
// Promise: memory is fixed at construction (memory_bytes()); contains and
// insert are O(1) expected and allocate nothing; a tag inserted is reported
// as present until `depth` newer tags have been inserted after it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace vigil::ingest {

class SignatureDedup {
 public:
  // depth >= 1: how many recent signatures are remembered.
  SignatureDedup(size_t depth, uint64_t seed);

  uint64_t tag(const uint8_t* signature64) const;
  bool contains(uint64_t tag) const;
  // Remembers `tag` (the caller has checked contains()); forgets the oldest
  // tag when `depth` are remembered.
  void insert(uint64_t tag);
  // contains + insert: true when `tag` was already present.
  bool check_and_insert(uint64_t tag);

  size_t depth() const { return ring_.size(); }
  size_t size() const { return count_; }
  uint64_t evicted() const { return evicted_; }
  size_t memory_bytes() const { return (ring_.size() + map_.size()) * sizeof(uint64_t); }

 private:
  size_t slot_of(uint64_t tag) const { return size_t(tag * 0x9E3779B97F4A7C15ull) & mask_; }
  void map_remove(uint64_t tag);

  uint64_t seed_;
  std::vector<uint64_t> ring_;  // tags, oldest at ring_[head_] once full
  std::vector<uint64_t> map_;   // 0 = empty slot
  size_t mask_;
  size_t head_ = 0;
  size_t count_ = 0;
  uint64_t evicted_ = 0;
};

}  // namespace vigil::ingest
