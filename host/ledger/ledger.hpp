// The ledger: blocks, QCs, state and receipts on RocksDB, and the commit path
// that executes a block and makes it durable.
//
// Promises:
// - commit() checks a block against the tip (height, parent link, id, tx
//   root, the state root its header carries, the QC that certifies it),
//   executes it, updates the state tree and writes header, frames, QC, state
//   nodes, account records, receipts and the new tip in one WriteBatch with
//   sync = true. After a crash, reopening gives the last committed block, its
//   state and the safety state at one height.
// - save_safety() is synced before it returns (the core's PersistAction).
// - It is consensus::Storage: blocks and QCs not yet committed are kept in
//   memory (a restart re-fetches them); epoch records reach disk in the
//   batch of the block that starts the epoch.
// - Speculative execution: speculate() executes a block that is not
//   committed yet on the state after its parent (the tip, or an uncommitted
//   ancestor speculated before it) and keeps the outcome in memory, keyed by
//   block id, so that a proposer can put the state after an uncommitted
//   parent in its header and a voter can check it. The outcomes are a pure
//   function of the committed state and the chain of blocks; they are bounded
//   (max_speculative), dropped when their block commits (commit() reuses
//   the outcome instead of executing again) or falls at or below the tip on
//   another branch (abandoned), and never reach the disk.
// - State nodes stale for more than `prune_keep` heights are deleted in the
//   commit batch; blocks and receipts are kept for good. Proofs work for the
//   last prune_keep heights.
// - The state tree is stored a page (4 levels, up to 15 nodes) to a record
//   (host/state/smt.hpp, encode_page: the hashes inside a page are not
//   stored but recomputed when it is read); decoded pages of the tip's tree and the latest
//   account records are cached, bounded by LedgerOptions, and warmed at a
//   read-write open so that a restarted validator's first commits do not
//   read them back one Get at a time. Caching never changes a result.
// - Read-only opening (audit, `vigil state`) never writes.
// Errors are values (a message string); nothing here throws or aborts on bad
// input or a bad store.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "host/consensus/storage.hpp"
#include "host/execution/executor.hpp"
#include "host/ledger/codec.hpp"
#include "host/state/smt.hpp"

namespace vigil::ledger {

using execution::Account;
using execution::PublicKey;
using state::Hash;

struct LedgerOptions {
  uint64_t prune_keep = 64;                // state versions kept provable
  size_t block_cache_bytes = 64 << 20;     // RocksDB block cache
  size_t write_buffer_bytes = 32 << 20;    // per column family
  size_t page_cache_entries = 1 << 17;     // decoded state-tree pages (<= 15 nodes each) in memory
  size_t account_cache_entries = 1 << 18;  // latest account records (or their absence) in memory
  size_t max_speculative = 64;             // uncommitted blocks executed ahead, at most
  bool read_only = false;
};

// A committed block as the ledger serves it (catch-up, audit, RPC).
struct CommittedBlock {
  Block block;
  QuorumCert qc;  // certifies block.id; empty for height 0
  std::vector<vigil_receipt> receipts;
};

struct CommitStats {  // nanoseconds spent in each part of one commit
  uint64_t verify_ns = 0, execute_ns = 0, tree_ns = 0, write_ns = 0;
};

struct CommitResult {
  std::string error;  // empty when committed
  Hash state_root{};  // after the block
  std::vector<vigil_receipt> receipts;
  std::optional<execution::GovernanceState> next_epoch;
  uint64_t applied = 0;
  CommitStats stats;
  bool ok() const { return error.empty(); }
};

// What speculative execution says of an uncommitted block.
struct Speculation {
  std::string error;     // empty when the block executed
  bool refused = false;  // with an error: the block itself is wrong and can never commit
                         // (its id, tx root, height or state_root); else it cannot be told yet
  Hash state_root{};     // after the block
  // Set when the block ends its epoch: the governance record of the next.
  std::optional<execution::GovernanceState> next_epoch;
  bool ok() const { return error.empty(); }
};

struct TxLocation {
  uint64_t height = 0;
  uint32_t index = 0;
};

struct AccountAt {
  uint64_t height = 0;
  Hash state_root{};
  std::optional<Account> account;  // nullopt: absent
  state::Proof proof;
};

// Why `qc` does not certify `b` for the validators of `epoch` (each
// signature checked through crypto::verify_batch, ZIP 215), or "".
std::string check_qc(const QuorumCert& qc, const Block& b, uint64_t epoch,
                     const std::vector<PublicKey>& validators);

class Ledger final : public consensus::Storage,
                     public execution::StateReader,
                     public state::NodeReader {
 public:
  // Opens (or, unless read-only, creates) the store at `dir`; nullptr and
  // *error when RocksDB cannot open or read it.
  static std::unique_ptr<Ledger> open(const std::string& dir, const LedgerOptions& opt,
                                      std::string* error);
  ~Ledger() override;

  // A new store starts from a genesis (block 0, state version 0, epoch 1);
  // on a store that has one, it must be the same. Returns "" or why not.
  std::string init_genesis(const execution::GenesisState& g);
  bool has_genesis() const { return genesis_.has_value(); }
  const std::optional<execution::GenesisState>& genesis() const { return genesis_; }
  uint64_t prune_keep() const { return prune_keep_; }

  // The commit path (see above). `sig_valid`: one byte per frame when the
  // frames were verified upstream; empty to verify here.
  CommitResult commit(const Block& b, const QuorumCert& qc,
                      std::span<const uint8_t> sig_valid = {});
  // Catch-up: checks each block's QC against the epoch's validators, then
  // commits it; stops at the first that fails. Returns "" or why.
  std::string replay(std::span<const CommittedBlock> blocks);

  // Speculative execution (see above). speculate() checks `b` (id, tx root,
  // the parent's chain reaches the tip, state_root is the state after the
  // parent), executes it and keeps the outcome; `sig_valid` as for commit(),
  // given only for frames verified upstream. after() is the state after
  // block `id`: stored for a committed block, else speculated, executing the
  // uncommitted ancestors held here (their signatures verified here).
  Speculation speculate(const Block& b, std::span<const uint8_t> sig_valid = {});
  Speculation after(const BlockId& id);
  size_t speculated() const { return spec_.size(); }

  uint64_t height() const { return tip_height_; }
  BlockId tip_id() const { return tip_id_; }
  // State root after block h (h <= height()); nullopt when unknown.
  std::optional<Hash> state_root(uint64_t h) const;
  std::optional<state::ChildRef> root_ref(uint64_t h) const;
  execution::GovernanceState governance() const;

  std::optional<CommittedBlock> block_at(uint64_t h, std::string* error = nullptr) const;
  std::optional<std::vector<vigil_receipt>> receipts_at(uint64_t h) const;
  // Up to `max` certified blocks from `from` up (for sync and the daemon).
  std::vector<CommittedBlock> block_range(uint64_t from, uint32_t max) const;
  std::vector<TxLocation> find_tx(std::span<const uint8_t, 64> signature) const;
  std::optional<Account> account(const PublicKey& pk) const;
  // The account at height h with its proof against state_root(h), which
  // block h + 1's header carries.
  std::optional<AccountAt> account_at(const PublicKey& pk, uint64_t h, std::string* error) const;

  rocksdb::DB* db() const { return db_.get(); }
  // Column families, by name: blocks, block_ids, qcs, receipts, txs,
  // accounts, state, stale, safety, meta.
  rocksdb::ColumnFamilyHandle* cf(const std::string& name) const;

  // execution::StateReader: the latest state.
  std::optional<execution::Bytes> get(const Hash& key_hash) const override;
  // state::NodeReader.
  std::optional<state::Node> get(const state::NodeKey& k) const override;
  std::optional<state::PageNodes> get_page(const state::NodeKey& page) const override;

  // consensus::Storage
  void put_block(const Block& b) override;
  const Block* block(const BlockId& id) const override;
  void put_qc(const QuorumCert& qc) override;
  const QuorumCert* qc_for(const BlockId& id) const override;
  void put_high_qc(const QuorumCert& qc) override;
  std::optional<QuorumCert> high_qc() const override;
  void put_high_tc(const consensus::TimeoutCert& tc) override;
  std::optional<consensus::TimeoutCert> high_tc() const override;
  void put_committed(const consensus::CommittedTip& tip) override;
  std::optional<consensus::CommittedTip> committed() const override;
  void put_epoch(const consensus::EpochRecord& e) override;
  std::optional<consensus::EpochRecord> epoch() const override;
  void put_epoch_end_qc(consensus::Epoch e, const QuorumCert& qc) override;
  const QuorumCert* epoch_end_qc(consensus::Epoch e) const override;
  void save_safety(const consensus::SafetyState& s) override;
  std::optional<consensus::SafetyState> safety() const override;

  // Storage errors after open (a failed write); empty when none.
  const std::string& last_error() const { return last_error_; }
  void clear_error() { last_error_.clear(); }

 private:
  // Keyed with a per-process secret seed: the paths and keys are SHA-256 of
  // keys a client chooses.
  struct NodeKeyHash {
    size_t operator()(const state::NodeKey& k) const;
  };
  struct KeyHash {
    size_t operator()(const Hash& k) const;
  };
  // Pages by position (version 0: depth and path), each the latest the tip's
  // tree holds there: a commit's new page takes its old one's place.
  struct CachedPage {
    uint64_t version = 0;
    state::Bytes page;  // packed (smt.hpp, pack_page): read a node with no hashing
  };
  using PageCache = std::unordered_map<state::NodeKey, CachedPage, NodeKeyHash>;
  using AccountCache = std::unordered_map<Hash, std::optional<execution::Bytes>, KeyHash>;

  // One executed block: what commit() writes besides the block itself.
  struct Executed {
    std::vector<vigil_receipt> receipts;
    std::map<Hash, execution::Bytes> writes;  // changed leaves
    std::optional<execution::GovernanceState> next_epoch;
    uint64_t applied = 0;
    state::ChildRef root;
    state::PageList pages;              // new tree nodes, by page
    std::vector<state::NodeKey> stale;  // pages they replace
    CommitStats stats;
  };
  struct Overlay {  // a speculated block
    BlockId id{}, parent{};
    uint64_t height = 0;
    std::shared_ptr<Overlay> up;  // the parent's, while the parent is not committed
    Executed ex;
  };
  class View;      // an overlay chain over the committed state
  class Uncached;  // the committed store, read without filling the page cache

  Ledger() = default;
  std::string load();
  std::optional<Executed> execute_block(const View& v, const state::ChildRef& parent_root,
                                        const Block& b, std::span<const uint8_t> sig_valid,
                                        std::string* error) const;
  void prune_speculation();
  std::optional<std::string> read(const std::string& cf, const std::string& key) const;
  std::optional<uint64_t> height_of(const BlockId& id) const;
  std::optional<state::Node> node(const state::NodeKey& k, bool fill_cache) const;
  std::optional<state::PageNodes> stored_page(const state::NodeKey& page, bool fill_cache) const;
  const state::Bytes* cached_page(const state::NodeKey& page) const;
  CachedPage* cache_slot(const state::NodeKey& page) const;
  void cache_page(const state::NodeKey& page, state::Bytes record) const;
  void cache_packed(const state::NodeKey& page, const state::PageNodes& nodes) const;
  void cache_account(const Hash& k, std::optional<execution::Bytes> v) const;
  void warm_caches();
  void put_tx_index(rocksdb::WriteBatch& batch, const Block& b, const std::string& hk);
  void put_meta(const std::string& key, const std::string& value, bool sync);
  void trim_caches();

  LedgerOptions opt_;
  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> cfs_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::optional<execution::GenesisState> genesis_;
  uint64_t prune_keep_ = 64;
  uint64_t tip_height_ = 0;
  BlockId tip_id_{};
  state::ChildRef tip_root_;
  std::string last_error_;

  // Not yet committed (consensus's working set) and decoded committed ones.
  std::map<BlockId, Block> pending_blocks_;
  std::map<BlockId, QuorumCert> pending_qcs_;
  std::map<BlockId, consensus::EpochRecord> pending_epochs_;  // by root id
  mutable std::map<BlockId, Block> block_cache_;
  mutable std::map<BlockId, QuorumCert> qc_cache_;
  mutable std::map<consensus::Epoch, QuorumCert> epoch_end_cache_;
  // Two generations each: the older goes when the newer fills its half.
  mutable PageCache pages_now_, pages_old_;
  // node()'s last page found in the cache (entries of an unordered_map stay
  // put until erased, and only cache_slot changes the cache; it clears this).
  mutable state::NodeKey memo_page_;
  mutable const state::Bytes* memo_packed_ = nullptr;
  mutable AccountCache accounts_now_, accounts_old_;
  // Set when warm_caches read every account record into the cache; cleared
  // when it first turns a generation over. While set, a miss is an absence.
  mutable bool accounts_complete_ = false;
  rocksdb::WriteBatch batch_;  // reused: its buffer stays allocated between commits
  state::Bytes page_record_;   // reused: each page's record, copied into the batch
  std::map<BlockId, std::shared_ptr<Overlay>> spec_;
};

}  // namespace vigil::ledger
