// What consensus keeps across a restart: blocks, the QC certifying each
// block, the highest QC and TC (the round a node restarts in), the committed tip, the current
// epoch, each ended epoch's last commit QC, and the safety state. The core writes blocks and QCs
// itself (losing one costs only a re-fetch); the safety state is written by the driver on a persist
// action, synced, before the core is told it is done. MemoryStorage is the test implementation; the
// RocksDB ledger is another.
#pragma once

#include <map>
#include <optional>

#include "host/consensus/epoch.hpp"
#include "host/consensus/safety_rules.hpp"
#include "host/consensus/types.hpp"

namespace vigil::consensus {

struct CommittedTip {
  BlockId id{};
  uint64_t height = 0;
};

class Storage {
 public:
  virtual ~Storage() = default;
  virtual void put_block(const Block& b) = 0;
  virtual const Block* block(const BlockId& id) const = 0;
  virtual void put_qc(const QuorumCert& qc) = 0;  // the QC certifying qc.block_id()
  virtual const QuorumCert* qc_for(const BlockId& id) const = 0;
  virtual void put_high_qc(const QuorumCert& qc) = 0;
  virtual std::optional<QuorumCert> high_qc() const = 0;
  virtual void put_high_tc(const TimeoutCert& tc) = 0;
  virtual std::optional<TimeoutCert> high_tc() const = 0;
  virtual void put_committed(const CommittedTip& tip) = 0;
  virtual std::optional<CommittedTip> committed() const = 0;
  virtual void put_epoch(const EpochRecord& e) = 0;
  virtual std::optional<EpochRecord> epoch() const = 0;
  virtual void put_epoch_end_qc(Epoch e, const QuorumCert& qc) = 0;
  virtual const QuorumCert* epoch_end_qc(Epoch e) const = 0;
  virtual void save_safety(const SafetyState& s) = 0;
  virtual std::optional<SafetyState> safety() const = 0;
};

class MemoryStorage final : public Storage {
 public:
  void put_block(const Block& b) override { blocks_[b.id] = b; }
  const Block* block(const BlockId& id) const override {
    auto it = blocks_.find(id);
    return it == blocks_.end() ? nullptr : &it->second;
  }
  void put_qc(const QuorumCert& qc) override { qcs_[qc.block_id()] = qc; }
  const QuorumCert* qc_for(const BlockId& id) const override {
    auto it = qcs_.find(id);
    return it == qcs_.end() ? nullptr : &it->second;
  }
  void put_high_qc(const QuorumCert& qc) override { high_qc_ = qc; }
  std::optional<QuorumCert> high_qc() const override { return high_qc_; }
  void put_high_tc(const TimeoutCert& tc) override { high_tc_ = tc; }
  std::optional<TimeoutCert> high_tc() const override { return high_tc_; }
  void put_committed(const CommittedTip& tip) override { committed_ = tip; }
  std::optional<CommittedTip> committed() const override { return committed_; }
  void put_epoch(const EpochRecord& e) override { epoch_ = e; }
  std::optional<EpochRecord> epoch() const override { return epoch_; }
  void put_epoch_end_qc(Epoch e, const QuorumCert& qc) override { epoch_end_[e] = qc; }
  const QuorumCert* epoch_end_qc(Epoch e) const override {
    auto it = epoch_end_.find(e);
    return it == epoch_end_.end() ? nullptr : &it->second;
  }
  void save_safety(const SafetyState& s) override { safety_ = s; }
  std::optional<SafetyState> safety() const override { return safety_; }

  size_t block_count() const { return blocks_.size(); }

 private:
  std::map<BlockId, Block> blocks_;
  std::map<BlockId, QuorumCert> qcs_;
  std::optional<QuorumCert> high_qc_;
  std::optional<TimeoutCert> high_tc_;
  std::optional<CommittedTip> committed_;
  std::optional<EpochRecord> epoch_;
  std::map<Epoch, QuorumCert> epoch_end_;
  std::optional<SafetyState> safety_;
};

}  // namespace vigil::consensus
