// Epochs: the validator set of an epoch (n equal-weight validators, leader of
// round r is validator r mod n, quorum 2f+1 where n = 3f+1 (generally
// n - floor((n-1)/3))), the genesis definition that fixes the first one, and
// the reconfiguration transaction by which a committed block ends an epoch
// and names the next set.
#pragma once

#include <optional>
#include <vector>

#include "host/consensus/types.hpp"

namespace vigil::consensus {

struct ValidatorSet {
  Epoch epoch = 1;
  std::vector<PublicKey> keys;  // index = validator index

  uint32_t size() const { return uint32_t(keys.size()); }
  uint32_t max_faulty() const { return keys.empty() ? 0 : (size() - 1) / 3; }
  uint32_t quorum() const { return size() - max_faulty(); }
  ValidatorIndex leader(Round r) const { return ValidatorIndex(r % size()); }
};

// The chain's start: the first validator set. The genesis block is epoch 1,
// round 0, height 0, parent all zero, proposer 0, no transactions.
struct Genesis {
  ValidatorSet validators;
};

// Where an epoch starts: its validator set and its root block (the genesis
// block, or the committed block whose reconfiguration ended the previous
// epoch). Round 0 of the epoch is certified by a QC without signatures.
struct EpochRecord {
  ValidatorSet validators;
  BlockId root_id{};
  uint64_t root_height = 0;
};

vigil_block_hdr genesis_block_hdr();
EpochRecord genesis_epoch(const Genesis& g);
// The QC (no signatures) that certifies the epoch's root as round 0.
QuorumCert epoch_root_qc(const EpochRecord& e);
bool is_epoch_root_qc(const EpochRecord& e, const QuorumCert& qc);

// A reconfiguration transaction: the magic VIGIL_RECONFIG_MAGIC, a u32
// count (LE) and that many 32-byte public keys. A block whose frames are
// exactly one such transaction ends its epoch once committed.
inline constexpr char kReconfigMagic[] = "vigil/reconfig/v1";
Bytes encode_reconfiguration(const std::vector<PublicKey>& keys);
std::optional<std::vector<PublicKey>> parse_reconfiguration(ByteView txs);

}  // namespace vigil::consensus
