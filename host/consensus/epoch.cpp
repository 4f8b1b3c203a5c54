#include "host/consensus/epoch.hpp"

#include <cstring>

#include "host/consensus/wire.hpp"

namespace vigil::consensus {

vigil_block_hdr genesis_block_hdr() {
  vigil_block_hdr h{};
  h.epoch = 1;
  return h;
}

EpochRecord genesis_epoch(const Genesis& g) {
  EpochRecord e;
  e.validators = g.validators;
  e.validators.epoch = 1;
  e.root_id = compute_block_id(genesis_block_hdr());
  e.root_height = 0;
  return e;
}

QuorumCert epoch_root_qc(const EpochRecord& e) {
  QuorumCert qc;
  std::memcpy(qc.vote.block_id, e.root_id.data(), VIGIL_HASH_LEN);
  qc.vote.epoch = e.validators.epoch;
  qc.vote.round = 0;
  qc.vote.height = e.root_height;
  return qc;
}

bool is_epoch_root_qc(const EpochRecord& e, const QuorumCert& qc) {
  QuorumCert want = epoch_root_qc(e);
  return std::memcmp(&want.vote, &qc.vote, sizeof want.vote) == 0 && qc.sigs.empty();
}

Bytes encode_reconfiguration(const std::vector<PublicKey>& keys) {
  Bytes out(kReconfigMagic, kReconfigMagic + sizeof kReconfigMagic - 1);
  uint32_t n = uint32_t(keys.size());
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(n >> (8 * i)));
  for (const auto& k : keys) out.insert(out.end(), k.begin(), k.end());
  return out;
}

std::optional<std::vector<PublicKey>> parse_reconfiguration(ByteView txs) {
  constexpr size_t kMagic = sizeof kReconfigMagic - 1;
  if (txs.size() < kMagic + 4 || std::memcmp(txs.data(), kReconfigMagic, kMagic) != 0)
    return std::nullopt;
  uint32_t n = 0;
  for (int i = 0; i < 4; ++i) n |= uint32_t(txs[kMagic + size_t(i)]) << (8 * i);
  if (n == 0 || n > VIGIL_MAX_VALIDATORS || txs.size() != kMagic + 4 + size_t(n) * 32)
    return std::nullopt;
  std::vector<PublicKey> keys(n);
  for (uint32_t i = 0; i < n; ++i)
    std::memcpy(keys[i].data(), txs.data() + kMagic + 4 + i * 32, 32);
  return keys;
}

}  // namespace vigil::consensus
