// Consensus value types: the decoded forms of the wire messages of
// <vigil/fi/consensus.h>. The fixed parts reuse the contract structs (held in
// host byte order; wire.hpp converts, field by field, little-endian); the
// variable parts (signatures, entries, frames) are vectors.
#pragma once

#include <vigil/fi/consensus.h>
#include <vigil/fi/version.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

namespace vigil::consensus {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;
using BlockId = std::array<uint8_t, VIGIL_HASH_LEN>;
using Signature = std::array<uint8_t, 64>;
using PublicKey = std::array<uint8_t, 32>;
using Round = uint64_t;
using Epoch = uint64_t;
using ValidatorIndex = uint32_t;

inline BlockId to_id(const uint8_t (&b)[VIGIL_HASH_LEN]) {
  BlockId id;
  std::memcpy(id.data(), b, id.size());
  return id;
}

// Signer bitmap of VIGIL_MAX_VALIDATORS bits.
struct SignerSet {
  std::array<uint8_t, VIGIL_SIGNER_BITMAP_BYTES> bits{};
  bool has(ValidatorIndex i) const {
    return i < VIGIL_MAX_VALIDATORS && (bits[i / 8] >> (i % 8)) & 1;
  }
  void add(ValidatorIndex i) { bits[i / 8] = uint8_t(bits[i / 8] | (1u << (i % 8))); }
  uint32_t count() const {
    uint32_t c = 0;
    for (uint8_t b : bits) c += uint32_t(__builtin_popcount(b));
    return c;
  }
};

// A quorum certificate: the vote data and one signature per signer, in
// ascending signer index. A genesis QC (round 0 of an epoch) has none.
struct QuorumCert {
  vigil_vote_data vote{};
  SignerSet signers;
  std::vector<Signature> sigs;

  Round round() const { return vote.round; }
  BlockId block_id() const { return to_id(vote.block_id); }
};

struct TimeoutCert {
  Epoch epoch = 0;
  Round round = 0;
  SignerSet signers;
  struct Entry {
    uint64_t high_qc_round;
    Signature sig;
  };
  std::vector<Entry> entries;  // ascending signer index

  uint64_t max_high_qc_round() const {
    uint64_t m = 0;
    for (const auto& e : entries) m = e.high_qc_round > m ? e.high_qc_round : m;
    return m;
  }
};

// A block: its header (id = SHA-256 of the header's 128 wire bytes) and its
// transaction frames, back to back.
struct Block {
  vigil_block_hdr hdr{};
  Bytes txs;
  BlockId id{};
};

// What a proposal carries besides the block: the parent's QC and, when the
// previous round timed out, that round's TC.
struct Proposal {
  Block block;
  QuorumCert qc;
  std::optional<TimeoutCert> tc;
};

struct Vote {
  vigil_vote_data data{};
};

struct Timeout {
  vigil_timeout_data data{};
  QuorumCert high_qc;
  std::optional<TimeoutCert> tc;
};

struct SyncRequest {
  BlockId block_id{};
  uint64_t from_height = 0;
  uint32_t max_blocks = 0;
};

struct SyncResponse {
  std::vector<Proposal> blocks;  // lowest height first
  std::optional<QuorumCert> qc;  // certifies the last block
};

// One decoded message: the header fields that matter, the body and the
// sender's signature.
struct Message {
  vigil_msg_type type = VIGIL_MSG_PROPOSAL;
  Epoch epoch = 0;
  Round round = 0;
  ValidatorIndex sender = 0;
  Proposal proposal;  // VIGIL_MSG_PROPOSAL
  Vote vote;          // VIGIL_MSG_VOTE
  Timeout timeout;    // VIGIL_MSG_TIMEOUT
  SyncRequest sync_request;
  SyncResponse sync_response;
  Signature sig{};
};

// A message with its header fields set and an empty body.
inline Message make_message(vigil_msg_type type, Epoch epoch, Round round, ValidatorIndex sender) {
  Message m;
  m.type = type;
  m.epoch = epoch;
  m.round = round;
  m.sender = sender;
  return m;
}

}  // namespace vigil::consensus
