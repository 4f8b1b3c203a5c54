// A synthetic chain for benchmarks and tests: deterministic validator and
// sender keys (from seeds, so a rerun on the same store continues the same
// chain), blocks of signed transfers among many accounts on top of a
// ledger's tip, and QCs signed by a quorum of the validators.
#pragma once

#include "host/crypto/ed25519.hpp"
#include "host/ledger/ledger.hpp"

namespace vigil::ledger {

struct WorkloadConfig {
  uint32_t validators = 4;
  uint32_t senders = 1000;
  uint64_t recipients = 100000;
  uint64_t sender_balance = 1'000'000'000'000'000ull;
};

class Workload {
 public:
  explicit Workload(const WorkloadConfig& c);

  execution::GenesisState genesis() const;
  const std::vector<crypto::Keypair>& validators() const { return validators_; }
  const std::vector<crypto::Keypair>& senders() const { return senders_; }
  PublicKey recipient(uint64_t i) const;

  // Reads the senders' nonces from the ledger's latest state.
  void load_nonces(const Ledger& l);
  // `count` signed transfers for block `height` (deterministic in height),
  // frames back to back; advances the senders' nonces.
  Bytes transfers(uint64_t height, uint32_t count);

  // The next block on `l`'s tip carrying `frames`, and its QC.
  std::pair<Block, QuorumCert> next_block(const Ledger& l, Bytes frames) const;

 private:
  WorkloadConfig c_;
  std::vector<crypto::Keypair> validators_, senders_;
  std::vector<uint64_t> nonces_;
};

// Block header fields for a child of (tip_id, tip_height) with these frames
// and state root; id computed.
Block make_block(const BlockId& parent, uint64_t height, uint64_t epoch, uint32_t proposer,
                 const Hash& state_root, Bytes frames);
// A QC on `b` signed by the first `signers` of `validators`.
QuorumCert sign_qc(const Block& b, std::span<const crypto::Keypair> validators, uint32_t signers);

}  // namespace vigil::ledger
