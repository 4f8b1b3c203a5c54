// INTERIM consensus storage, until the RocksDB ledger (issue 12) lands and
// replaces it: blocks, QCs and the rest in memory (consensus::MemoryStorage;
// a restarted node fetches them again from its peers by block sync), and the
// safety state in DATA_DIR/safety.bin, written to a temporary file, synced
// and renamed before save_safety returns, so no vote or timeout this node
// signed is ever forgotten by a crash.
#pragma once

#include <string>

#include "host/consensus/storage.hpp"

namespace vigil::node {

class NodeStorage final : public consensus::Storage {
 public:
  // Reads DATA_DIR/safety.bin when present; false and *error when it is
  // there but unreadable or corrupt (the node must not start on a guess).
  bool open(const std::string& data_dir, std::string* error);

  void put_block(const consensus::Block& b) override { mem_.put_block(b); }
  const consensus::Block* block(const consensus::BlockId& id) const override {
    return mem_.block(id);
  }
  void put_qc(const consensus::QuorumCert& qc) override { mem_.put_qc(qc); }
  const consensus::QuorumCert* qc_for(const consensus::BlockId& id) const override {
    return mem_.qc_for(id);
  }
  void put_high_qc(const consensus::QuorumCert& qc) override { mem_.put_high_qc(qc); }
  std::optional<consensus::QuorumCert> high_qc() const override { return mem_.high_qc(); }
  void put_high_tc(const consensus::TimeoutCert& tc) override { mem_.put_high_tc(tc); }
  std::optional<consensus::TimeoutCert> high_tc() const override { return mem_.high_tc(); }
  void put_committed(const consensus::CommittedTip& tip) override { mem_.put_committed(tip); }
  std::optional<consensus::CommittedTip> committed() const override { return mem_.committed(); }
  void put_epoch(const consensus::EpochRecord& e) override { mem_.put_epoch(e); }
  std::optional<consensus::EpochRecord> epoch() const override { return mem_.epoch(); }
  void put_epoch_end_qc(consensus::Epoch e, const consensus::QuorumCert& qc) override {
    mem_.put_epoch_end_qc(e, qc);
  }
  const consensus::QuorumCert* epoch_end_qc(consensus::Epoch e) const override {
    return mem_.epoch_end_qc(e);
  }
  void save_safety(const consensus::SafetyState& s) override;
  std::optional<consensus::SafetyState> safety() const override { return safety_; }

  uint64_t safety_writes() const { return writes_; }

 private:
  consensus::MemoryStorage mem_;
  std::string path_;
  std::optional<consensus::SafetyState> safety_;
  uint64_t writes_ = 0;
};

// The safety state's file form: "VGSS" u32 version, six u64 rounds, u8 has
// vote, the 96-byte vote data, u32 CRC32C of everything before it.
std::vector<uint8_t> encode_safety(const consensus::SafetyState& s);
bool decode_safety(std::span<const uint8_t> bytes, consensus::SafetyState* out);

}  // namespace vigil::node
