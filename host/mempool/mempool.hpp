// The mempool: verified transactions waiting for a block. Bounded (a total
// count and a per-sender count), deduplicated by signature, ordered by
// sender nonce; what a block committed leaves it, and so does whatever a
// sender's committed nonce has passed.
//
// Only frames whose signature already verified come here (the verify tile,
// or a proposal's batch), so nothing in it was placed by a forger; a full
// pool refuses new frames (counted) rather than evict older ones, except
// frames stuck behind a gap in their sender's nonces (no block can carry
// them until the missing one comes): those leave after gap_expire_commits
// commits, or at once when a full pool is offered a frame that follows its
// sender's committed nonce or a frame held here.
//
// Promise: deterministic: ordered containers wherever the pool iterates, a
// keyed hash index for lookups by signature; memory bounded by capacity x
// the largest frame, plus the recent senders' nonces (2 x kRecentSenders
// entries). Not thread-safe (the node holds a lock).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "host/ingest/keyed_hash.hpp"
#include "host/mempool/transfer.hpp"

namespace vigil::mempool {

using Key = std::array<uint8_t, 32>;
using Sig = std::array<uint8_t, 64>;

// The byte-wise (lexicographic) order of std::less on byte arrays, compared
// eight bytes a step: signatures and keys are hash-like, so the first word
// decides nearly every comparison without a call to memcmp (which was a
// tenth of a loaded node's CPU in the ordered maps here and in the node).
template <size_t N>
struct BytesLess {
  static_assert(N % 8 == 0);
  bool operator()(const std::array<uint8_t, N>& a, const std::array<uint8_t, N>& b) const {
    for (size_t i = 0; i < N; i += 8) {
      uint64_t x, y;
      std::memcpy(&x, a.data() + i, 8);
      std::memcpy(&y, b.data() + i, 8);
      if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y);
    }
    return false;
  }
};
using SigLess = BytesLess<64>;
using KeyLess = BytesLess<32>;
using SigSet = std::set<Sig, SigLess>;
using NonceMap = std::map<Key, uint64_t, KeyLess>;  // sender -> next nonce

// The signature index's hash: SipHash-1-3 of the signature's first 16
// bytes under a secret key drawn per pool (getrandom), so no sender can
// aim frames at one bucket. Lookups only: the index is never iterated, so
// nothing the pool decides depends on the key.
struct SigHash {
  size_t operator()(const Sig& s) const;
  ingest::HashKey key = ingest::HashKey::secret();
};

enum class AddResult : uint8_t {
  added,
  duplicate,    // same signature already here
  malformed,    // payload is neither a transfer nor a governance approval
  stale_nonce,  // below the sender's committed nonce
  nonce_gap,    // too far ahead of the sender's committed nonce
  nonce_taken,  // another frame holds this sender's nonce
  sender_full,  // the sender has max_per_sender frames here
  full,         // capacity reached
  count_
};
inline constexpr size_t kAddResults = size_t(AddResult::count_);
std::string_view add_result_name(AddResult r);

struct MempoolConfig {
  size_t capacity = 1 << 18;
  size_t max_per_sender = 4096;
  uint64_t max_nonce_gap = 4096;
  // A proposed frame not committed after this many commits may be proposed again.
  uint64_t repropose_after = 8;
  // A frame behind a gap in its sender's nonces (one before it was dropped
  // and may never come) leaves after this many commits, so that a pool full
  // of frames no block can carry does not refuse everything else for good.
  // Counted in commits, not time: what the pool holds stays a function of
  // its inputs. 0: never.
  uint64_t gap_expire_commits = 64;
};

struct MempoolCounters {
  std::array<uint64_t, kAddResults> add{};
  uint64_t committed = 0;    // left because a block committed them
  uint64_t expired = 0;      // left because the sender's nonce passed them
  uint64_t gap_expired = 0;  // left after gap_expire_commits behind a nonce gap
  uint64_t proposed = 0;
};

class Mempool {
 public:
  explicit Mempool(const MempoolConfig& config);

  // A verified frame: its bytes whole, the sender key, signature and payload;
  // `committed_nonce` is the sender's next nonce in the committed state.
  AddResult add(std::span<const uint8_t> frame, const Key& sender, const Sig& sig,
                std::span<const uint8_t> payload, uint64_t committed_nonce);
  // What add() would refuse a transfer for, judged on its nonce alone
  // (stale_nonce, nonce_gap, nonce_taken, sender_full), or `added` when that
  // cannot be told without the ledger: the verify tile asks before it
  // spends a signature check on a frame the pool refuses. A sender is judged
  // when it has frames here, or when a recent commit carried it (its next
  // nonce then is that commit's, nonces only grow). Nothing is counted or
  // kept.
  AddResult screen(const Key& sender, uint64_t nonce) const;
  // Frames for a new block, back to back, at most max_txs and max_bytes: per
  // sender in key order, consecutive nonces from its committed one. They
  // stay here, marked proposed, until committed.
  // Without `in_chain`: stopping at one already proposed and not yet
  // committed (it goes again after repropose_after commits). With it (the
  // signatures of the uncommitted blocks the new one extends): those are
  // skipped, as the chain holds them, and the sender's next nonces follow;
  // a frame of an abandoned proposal may go again at once.
  std::vector<uint8_t> take(uint32_t max_txs, size_t max_bytes, uint32_t* count,
                            const SigSet* in_chain = nullptr);
  // A block committed `sigs`; the senders' committed nonces are now `next`.
  void committed(std::span<const Sig> sigs, const NonceMap& next);
  // The sender's next nonce as of the last commit when it has frames here
  // (then add() needs no committed nonce from the ledger: a frame admitted
  // on a nonce one block old leaves at the next committed()).
  std::optional<uint64_t> next_nonce(const Key& sender) const;

  bool contains(const Sig& sig) const { return by_sig_.count(sig) != 0; }
  // True when this exact frame (every byte, so every byte its signature
  // covers) is here: its signature verified when it entered.
  bool holds(const Sig& sig, std::span<const uint8_t> frame) const;
  size_t size() const { return by_sig_.size(); }
  bool full() const { return by_sig_.size() >= config_.capacity; }
  const MempoolCounters& counters() const { return counters_; }

 private:
  struct Entry {
    std::vector<uint8_t> frame;
    Sig sig{};
    bool proposed = false;
    uint64_t proposed_at = 0;  // commits_ when proposed
    uint64_t added_at = 0;     // commits_ when added
  };
  struct Sender {
    uint64_t next_nonce = 0;
    std::map<uint64_t, Entry> by_nonce;
  };
  AddResult count(AddResult r) {
    ++counters_.add[size_t(r)];
    return r;
  }
  // The refusal add() makes on the nonce, or `added`; `s` may be null.
  AddResult nonce_refusal(const Sender* s, uint64_t next, uint64_t nonce) const;
  void erase(const Key& sender, uint64_t nonce);
  // Drops frames behind a nonce gap added at least min_age commits ago.
  void expire_gapped(uint64_t min_age);

  // The next nonce of senders recent commits carried (committed()'s
  // `next`), kept after their frames leave, for screen(): two generations,
  // the older dropped when the newer holds kRecentSenders.
  static constexpr size_t kRecentSenders = 1 << 15;
  void remember_next(const Key& sender, uint64_t nonce);
  std::optional<uint64_t> recent_next(const Key& sender) const;

  MempoolConfig config_;
  std::map<Key, Sender, KeyLess> senders_;
  NonceMap recent_now_, recent_old_;
  // sender and nonce of each frame: one or two cache misses a lookup where
  // an ordered map of 32k signatures took fifteen (5% of a node's CPU)
  std::unordered_map<Sig, std::pair<Key, uint64_t>, SigHash> by_sig_;
  uint64_t commits_ = 0;
  uint64_t swept_full_at_ = UINT64_MAX;  // commits_ at the last sweep a full pool made
  MempoolCounters counters_;
};

}  // namespace vigil::mempool
