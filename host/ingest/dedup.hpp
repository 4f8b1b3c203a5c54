// SignatureDedup: "was this transaction verified recently?" in fixed memory,
// after Firedancer's tcache. A ring remembers the last `depth` tags in
// arrival order; an open-addressed map (at most a quarter full) finds them. When
// the ring is full the oldest tag is forgotten first.
//
// A tag is a keyed hash of the signature and the public key, everything the
// entry vouches for, under secrets from the table's key (keyed_hash.hpp):
// NH, UMAC's universal hash (RFC 4418), compresses the 96 bytes to 128 bits
// (two different inputs collide with probability 2^-64 for a secret NH
// key), and SipHash-1-3 of those 16 bytes gives the tag. An attacker sees
// neither, so it cannot aim a frame at an honest frame's tag nor pile tags
// onto one map slot; two different transactions share a tag with
// probability about 2^-63. It costs a third of SipHash over all 96 bytes.
//
// Work is bounded in the worst case: a tag lives at most kMaxProbe slots
// from its home slot, so contains() and insert() read at most kMaxProbe
// slots; an insert that finds no free slot that close is refused and
// counted (insert_refused()), which with a secret key and a map at most a
// quarter full happens about once in 10^9 inserts.
//
// Promise: memory is fixed at construction (memory_bytes()); nothing
// allocates after it; a tag inserted is reported as present until `depth`
// newer tags have been inserted after it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "host/ingest/keyed_hash.hpp"

namespace vigil::ingest {

class SignatureDedup {
 public:
  static constexpr size_t kMaxProbe = 32;
  static constexpr uint64_t kSlotMix = 0x9E3779B97F4A7C15ull;  // tag -> slot multiplier

  // depth >= 1: how many recent transactions are remembered.
  SignatureDedup(size_t depth, const HashKey& key);

  uint64_t tag(const uint8_t* signature64, const uint8_t* public_key32) const;
  bool contains(uint64_t tag) const;
  // Remembers `tag` (the caller has checked contains()); forgets the oldest
  // tag when `depth` are remembered. False when refused (no slot near its
  // home).
  bool insert(uint64_t tag);
  // contains + insert in one probe: true when `tag` was already present
  // (nothing changes then).
  bool check_and_insert(uint64_t tag);
  // Starts loading `tag`'s home slot, for a contains() or insert() soon
  // after (a cache miss overlapped with other work).
  void prefetch(uint64_t tag) const { __builtin_prefetch(&map_[slot_of(tag)]); }

  size_t depth() const { return ring_.size(); }
  size_t size() const { return count_; }
  uint64_t evicted() const { return evicted_; }
  uint64_t insert_refused() const { return refused_; }
  // The longest probe any call has made (at most kMaxProbe).
  size_t max_probe() const { return max_probe_; }
  size_t memory_bytes() const { return (ring_.size() + map_.size()) * sizeof(uint64_t); }

 private:
  size_t slot_of(uint64_t tag) const { return size_t(tag * kSlotMix) & mask_; }
  // The slot holding `tag`, else the first free slot of its chain;
  // kNoSlot when neither lies within kMaxProbe of its home.
  static constexpr size_t kNoSlot = ~size_t(0);
  size_t probe(uint64_t tag) const;
  void map_remove(uint64_t tag);
  void forget_oldest();          // the ring is full: the oldest tag goes
  void ring_push(uint64_t tag);  // the ring's newest entry
  void saw_probe(size_t n) const {
    if (n > max_probe_) max_probe_ = n;
  }

  HashKey key_;
  std::array<uint64_t, 12> nh_key_;  // one word per input word
  std::vector<uint64_t> ring_;       // tags, oldest at ring_[head_] once full; 0 = none
  std::vector<uint64_t> map_;        // 0 = empty slot
  size_t mask_;
  size_t head_ = 0;
  size_t count_ = 0;
  uint64_t evicted_ = 0;
  uint64_t refused_ = 0;
  mutable size_t max_probe_ = 0;
};

}  // namespace vigil::ingest
