// vigild's storage and state: the RocksDB ledger (host/ledger) in the data
// directory, behind one lock, as the consensus core's Storage, the source of
// the core's execution hooks, and what the client API reads.
//
// Promises:
// - Everything the ledger promises (one synced WriteBatch per committed
//   block; the safety state synced before a vote or timeout leaves; a restart
//   finds the last committed block, its state and the safety state at one
//   height).
// - Committed blocks go to the ledger in order, each with the QC that
//   certifies it; a block whose QC has not arrived yet (it comes with its
//   child, by proposal or block sync) waits, in order, in a bounded queue.
// - The hooks are deterministic (speculative execution of the chain):
//   state_after(parent) is what a proposer puts in state_root, check() what a
//   voter compares, next_validators() what committed governance decided.
// - A frame's signature is verified once: blocks whose frames this node
//   verified (keyed on the tx root, which commits to every frame byte) are
//   executed on those verdicts; any other block is verified by the ledger.
// Thread-safe: every method takes the lock.
#pragma once

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "host/config/genesis.hpp"
#include "host/consensus/core.hpp"
#include "host/ledger/ledger.hpp"
#include "host/mempool/mempool.hpp"

namespace vigil::node {

using Key = std::array<uint8_t, 32>;
using Sig = std::array<uint8_t, 64>;

// The receipt of a committed frame, as GET /tx reports it.
struct Receipt {
  uint64_t height = 0;
  uint32_t index = 0;  // position in the block
  uint8_t code = VIGIL_TX_OK;
};
// The name of a receipt code ("ok", "bad_nonce", ...).
std::string_view tx_code_name(uint8_t code);

// What one committed block did, for the mempool and the metrics.
struct Applied {
  consensus::Block block;
  std::vector<Sig> sigs;          // every frame of the block
  mempool::NonceMap next_nonces;  // senders' nonces after the block
  uint32_t ok = 0, rejected = 0;
};

class ChainState final : public consensus::Storage {
 public:
  // Opens (creating) the ledger in `data_dir` on `genesis`; nullptr and
  // *error when the store cannot be opened or holds another genesis.
  static std::unique_ptr<ChainState> open(const std::string& data_dir,
                                          const config::GenesisFile& genesis,
                                          const ledger::LedgerOptions& options, std::string* error);

  // The core's hooks.
  std::optional<consensus::BlockId> state_after(const consensus::BlockId& parent);
  consensus::BlockCheck check(const consensus::Block& b);
  std::optional<std::vector<consensus::PublicKey>> next_validators(const consensus::Block& b);
  // Every frame of blocks with this tx root verified valid (bounded memory).
  void note_verified(const consensus::BlockId& tx_root);

  // Queues the core's committed blocks and writes, in order, every queued
  // block whose QC is here; drain() retries. *error (fatal: the node must
  // stop) when a write fails or the queue overflows.
  std::vector<Applied> commit(const std::vector<consensus::Block>& blocks, std::string* error);
  std::vector<Applied> drain(std::string* error);

  // The client API's reads (the latest committed state).
  uint64_t height() const;
  consensus::BlockId tip() const;
  uint64_t nonce(const Key& k) const;
  std::optional<ledger::Account> account(const Key& k) const;
  // GET /account's JSON at the tip (host/ledger/account_json.hpp), with the
  // proof against the state after it when asked; nullopt and *error when the
  // state cannot answer.
  std::optional<std::string> account_json(const Key& k, bool proof, std::string* error) const;
  std::optional<Receipt> receipt(const Sig& s) const;
  std::optional<consensus::Block> block_at(uint64_t height) const;
  uint64_t committed_txs() const;  // applied by this process

  // consensus::Storage
  void put_block(const consensus::Block& b) override;
  const consensus::Block* block(const consensus::BlockId& id) const override;
  void put_qc(const consensus::QuorumCert& qc) override;
  const consensus::QuorumCert* qc_for(const consensus::BlockId& id) const override;
  void put_high_qc(const consensus::QuorumCert& qc) override;
  std::optional<consensus::QuorumCert> high_qc() const override;
  void put_high_tc(const consensus::TimeoutCert& tc) override;
  std::optional<consensus::TimeoutCert> high_tc() const override;
  void put_committed(const consensus::CommittedTip& tip) override;
  std::optional<consensus::CommittedTip> committed() const override;
  void put_epoch(const consensus::EpochRecord& e) override;
  std::optional<consensus::EpochRecord> epoch() const override;
  void put_epoch_end_qc(consensus::Epoch e, const consensus::QuorumCert& qc) override;
  const consensus::QuorumCert* epoch_end_qc(consensus::Epoch e) const override;
  // Synced; a failed write is fatal (signing on could equivocate after a
  // crash): the process exits with a message.
  void save_safety(const consensus::SafetyState& s) override;
  std::optional<consensus::SafetyState> safety() const override;

 private:
  ChainState() = default;
  std::vector<uint8_t> verdicts(const consensus::Block& b) const;
  // Writes one committed block (its QC here) and says what it did.
  std::optional<Applied> apply(const consensus::Block& b, const consensus::QuorumCert& qc,
                               std::string* error);
  // Writes the blocks between the ledger's tip and a committed block `b`,
  // which the core committed before it; "" or why not.
  std::string commit_ancestors(const consensus::Block& b);

  mutable std::mutex mu_;
  std::unique_ptr<ledger::Ledger> ledger_;
  std::deque<consensus::Block> waiting_;  // committed by the core, QC not here yet
  std::vector<Applied> early_;            // written by commit_ancestors, for the next drain()
  // The blocks between each recent epoch's last committed block and the
  // block its epoch-end QC certifies (the ended epoch's blocks past its end,
  // one or a few, which the ledger drops once the next epoch commits at
  // their heights). Block sync serves them to nodes still in that epoch (a
  // standby joining late): the lowest carries the QC of the epoch's last
  // block, the one the ledger writes with it, and nothing else does.
  std::map<consensus::Epoch, std::vector<consensus::Block>> epoch_end_blocks_;
  std::deque<consensus::BlockId> verified_order_;
  std::map<consensus::BlockId, bool> verified_;  // tx roots of verified frames
  uint64_t committed_txs_ = 0;
};

}  // namespace vigil::node
