// Ingest: the first stage after a packet port. Nothing an unverified input
// does may hurt an honest one. For each datagram, in order of cost:
//   1. address token (token.h)       a datagram that carries one has it
//                                    checked first (one SipHash): forged or
//                                    stale is a counted drop; without one
//                                    the source is unproven
//   2. rate limit by source          a proven source has its own budget;
//                                    every unproven datagram shares one
//                                    small budget (UDP sources can be
//                                    spoofed: an unproven address must
//                                    never spend or lose a proven one's)
//   3. parse the frame (frame.hpp)   malformed: dropped by reason
//   4. dedup lookup                  a replay of a verified transaction
//                                    costs no one's budget
//   5. the sender key has a token    checked, not taken: a key's budget is
//                                    charged only once its signature has
//                                    verified (forgeries in an honest key's
//                                    name cannot spend it)
// Every datagram either passes or lands in exactly one drop counter, so
// received == accepted + dropped_total() always holds.
//
// After verification the pipeline (host/sigverify) reports each frame:
// record_verified() remembers the transaction for dedup and charges its key
// (dedup records only verified frames, so forged copies, invalid frames and
// frames dropped for backpressure never occupy the window nor block the
// honest original or its retry); report_invalid_signature() charges the
// source that sent a bad signature invalid_penalty tokens: the proven
// source, or the shared unproven budget, never the key the frame names.
//
// Address validation, chosen after QUIC's retry tokens and DNS cookies
// (RFC 9018): a client sends a REQUEST, gets a GRANT back at its source
// address, and prefixes its frames with it. The token is SipHash-2-4 under
// a per-process secret of (source address, time window), so checking it
// costs one hash and no state; it is good for its window and the next
// (token_window_ns each). A small memo of tokens that checked out, indexed
// by the MAC's low bits, lets a proven source's next frames skip the hash:
// an entry holds exactly the (source, window, MAC) the check proved and a
// hit needs all three equal, so a forged, stale or borrowed token never
// hits; an attacker can only evict entries (their owners hash once again). A spoofer never sees the
// grant for an address it does not own, so it can only send unproven frames. Grants are answered at
// most at the unproven budget's rate and are no larger than the request,
// so the exchange cannot amplify a reflection attack.
//
// Cost: admit() computes each frame's dedup tag and key id once and hands
// them out with the frame (FrameView::ticket); record_verified() takes them
// back, so a frame's hashes are computed once on its whole way.
//
// Promise: deterministic given its inputs and its seed (time is an
// argument); fixed memory from construction; no allocation per frame;
// bounded work per datagram in the worst case (dedup probes at most
// SignatureDedup::kMaxProbe slots, each table lookup kWays entries). Every
// hash is keyed by a secret drawn from getrandom unless the config fixes
// a seed (tests).
#pragma once

#include <vigil/fi/token.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "host/ingest/dedup.hpp"
#include "host/ingest/frame.hpp"
#include "host/ingest/keyed_hash.hpp"
#include "host/ingest/rate_limit.hpp"

namespace vigil::ingest {

// Why a datagram was dropped; the counters are indexed by it.
enum class Drop : uint8_t {
  short_frame,
  bad_length,
  bad_crc,
  unknown_version,
  unknown_scheme,
  oversized,
  duplicate,
  rate_limited_source,
  rate_limited_key,
  bad_token,
  rate_limited_unproven,
  count_
};
inline constexpr size_t kDropReasons = size_t(Drop::count_);

std::string_view drop_name(Drop d);
// The wire error code a drop reason reports as (enum vigil_error).
vigil_error drop_error(Drop d);

// The source admit() reports for a frame without a valid token; address 0
// is never proven (no grant is made to 0.0.0.0).
inline constexpr uint32_t kUnprovenSource = 0;

struct IngestCounters {
  uint64_t received = 0;
  uint64_t accepted = 0;
  std::array<uint64_t, kDropReasons> dropped{};
  uint64_t invalid_signatures_reported = 0;
  uint64_t verified_recorded = 0;
  uint64_t duplicates_after_verify = 0;  // two copies verified at once; one went on
  uint64_t token_requests = 0;
  uint64_t tokens_granted = 0;

  uint64_t drops(Drop d) const { return dropped[size_t(d)]; }
  uint64_t dropped_total() const;
};

struct IngestConfig {
  size_t dedup_depth = 1 << 20;
  uint64_t seed = 0;  // 0: a secret from getrandom; anything else: fixed (tests)
  RateLimitConfig by_source{.entries = 1 << 16, .rate_per_sec = 100000, .burst = 10000};
  RateLimitConfig by_key{.entries = 1 << 16, .rate_per_sec = 10000, .burst = 1000};
  // The one budget all unproven datagrams share (entries is ignored).
  RateLimitConfig unproven{.rate_per_sec = 20000, .burst = 2000, .initial = 2000};
  uint64_t token_window_ns = 60'000'000'000ull;
  bool rate_limits = true;  // off: only tokens, parse and dedup (benchmarks of those)
};

// True when `datagram` asks for an address token (answer it with
// Ingest::grant_token, do not admit it).
inline bool is_token_request(std::span<const uint8_t> datagram) {
  return datagram.size() >= sizeof(vigil_addr_token) && datagram[0] == VIGIL_ADDR_TOKEN_MAGIC &&
         datagram[1] == VIGIL_ADDR_TOKEN_REQUEST;
}

// One received datagram and its source address.
struct Datagram {
  std::span<const uint8_t> bytes;
  uint32_t src_addr = 0;
};

class Ingest {
 public:
  explicit Ingest(const IngestConfig& config);

  // Admits one datagram from `src_addr` at `now_ns`. VIGIL_OK and `out`
  // filled (views into `bytes`; out.source is src_addr when the token proved
  // it, else kUnprovenSource) when it passes; else the drop, counted.
  vigil_error admit(std::span<const uint8_t> bytes, uint32_t src_addr, uint64_t now_ns,
                    FrameView& out);
  // admit() for each datagram of a port burst (kBurst or so), all at now_ns:
  // verdicts[i] and out[i] as admit() in order would give them, with the
  // same counters and state after. Faster: it runs admit()'s steps as
  // passes over the burst, so each table line a step reads was prefetched
  // by the pass before (ingest.cpp). Handles the shortest of the three
  // spans.
  void admit_burst(std::span<const Datagram> in, uint64_t now_ns, std::span<FrameView> out,
                   std::span<vigil_error> verdicts);
  // The signature of an admitted frame verified (`ticket` as admit() set
  // it): remember it for dedup and charge its key one token. False when the
  // same transaction was recorded since it was admitted (a copy verified
  // alongside): drop this one.
  bool record_verified(const FrameTicket& ticket, uint64_t now_ns);
  // The same from the frame's key and signature (hashes them again).
  bool record_verified(const uint8_t* public_key, const uint8_t* signature, uint64_t now_ns);
  // Starts loading what record_verified(ticket) reads: a loop over a batch
  // calls it a few items ahead.
  void prefetch(const FrameTicket& ticket) const {
    dedup_.prefetch(ticket.dedup_tag);
    by_key_.prefetch(ticket.key_id);
  }
  // The ticket admit() gives a frame with this key and signature.
  FrameTicket ticket(const uint8_t* public_key, const uint8_t* signature) const {
    return {dedup_.tag(signature, public_key), key_id(public_key)};
  }
  // Verification found the signature of a frame from `source` (as admit
  // reported it) invalid: charge that source invalid_penalty tokens.
  void report_invalid_signature(uint32_t source, uint64_t now_ns);

  // Answers a token request from `src_addr`: writes the grant into `reply`
  // and returns its size, or 0 (counted) when the request is malformed,
  // comes from address 0, or the unproven budget is spent.
  size_t grant_token(std::span<const uint8_t> request, uint32_t src_addr, uint64_t now_ns,
                     std::span<uint8_t> reply);
  // The token a grant to `src_addr` at `now_ns` carries (clients in tests).
  vigil_addr_token make_token(uint32_t src_addr, uint64_t now_ns) const;

  const IngestCounters& counters() const { return counters_; }
  const SignatureDedup& dedup() const { return dedup_; }
  const TokenBucketTable& source_limits() const { return by_source_; }
  const TokenBucketTable& key_limits() const { return by_key_; }
  // Bytes of state, fixed at construction.
  size_t memory_bytes() const;

 private:
  // admit() in three parts: the token proves the source (or not; strips
  // it from `bytes`); the source budget, parse and hashes (the dedup and key
  // lines start loading); the dedup and key lookups.
  uint32_t prove_source(std::span<const uint8_t>& bytes, uint32_t src_addr, uint64_t now_ns,
                        vigil_error& e);
  vigil_error admit_frame(std::span<const uint8_t> bytes, TokenBucketTable::Slot source,
                          uint64_t now_ns, FrameView& out);
  void prefetch_token(std::span<const uint8_t> bytes) const;
  // The source's budget slot admit_frame takes (hashed only when it is looked up).
  TokenBucketTable::Slot source_slot(uint32_t source) const;
  vigil_error admit_back(FrameView& frame, uint64_t now_ns);
  vigil_error drop(Drop d) {
    ++counters_.dropped[size_t(d)];
    return drop_error(d);
  }
  uint64_t key_id(const uint8_t* public_key) const { return key_hash_.table(public_key, 32); }
  uint64_t token_mac(uint32_t src_addr, uint32_t window) const;
  bool token_valid(std::span<const uint8_t> bytes, uint32_t src_addr, uint64_t now_ns);
  uint32_t window_of(uint64_t now_ns);

  // A token that checked out (see the header comment).
  struct TokenMemo {
    uint32_t src = kUnprovenSource;  // never proven: an empty entry never hits
    uint32_t window = 0;
    uint64_t mac = 0;
  };
  static constexpr size_t kTokenMemo = 4096;
  static constexpr size_t kPass = 64;  // datagrams per pass of admit_burst

  IngestConfig config_;
  HashKey root_;
  HashKey key_hash_;
  HashKey token_key_;
  SignatureDedup dedup_;
  TokenBucketTable by_source_;
  TokenBucketTable by_key_;
  TokenBucketTable unproven_;
  std::vector<TokenMemo> token_memo_;
  uint64_t window_at_ns_ = 0;  // window_ is the token window at this time
  uint32_t window_ = 0;
  IngestCounters counters_;
};

}  // namespace vigil::ingest
