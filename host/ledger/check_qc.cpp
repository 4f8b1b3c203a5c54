// check_qc: does this QC certify this block for this epoch's validators?
// The audit and catch-up both ask; signatures go through the batch engine.
#include <cstring>

#include "host/consensus/wire.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/ledger/ledger.hpp"

namespace vigil::ledger {

std::string check_qc(const QuorumCert& qc, const Block& b, uint64_t epoch,
                     const std::vector<PublicKey>& validators) {
  const uint32_t n = uint32_t(validators.size());
  const uint32_t quorum = n - (n ? (n - 1) / 3 : 0);
  if (std::memcmp(qc.vote.block_id, b.id.data(), VIGIL_HASH_LEN) != 0)
    return "QC certifies another block";
  if (qc.vote.height != b.hdr.height || qc.vote.round != b.hdr.round || qc.vote.epoch != epoch ||
      b.hdr.epoch != epoch)
    return "QC height, round or epoch disagrees with the block";
  if (qc.round() == 0 || qc.vote.parent_round >= qc.round()) return "QC round is not valid";
  if (std::memcmp(qc.vote.parent_id, b.hdr.parent_id, VIGIL_HASH_LEN) != 0)
    return "QC names another parent";
  for (uint32_t i = n; i < VIGIL_MAX_VALIDATORS; ++i)
    if (qc.signers.has(i)) return "QC signer outside the validator set";
  if (qc.signers.count() < quorum || qc.sigs.size() != qc.signers.count())
    return "QC has fewer than 2f+1 distinct signers";
  consensus::Bytes msg = consensus::vote_signing_bytes(qc.vote);
  std::vector<crypto::VerifyItem> items;
  size_t k = 0;
  for (uint32_t i = 0; i < n; ++i)
    if (qc.signers.has(i)) items.push_back({validators[i].data(), qc.sigs[k++].data(), msg});
  std::vector<uint32_t> words(VIGIL_VERDICT_WORDS(items.size()) + 1);
  crypto::verify_batch(items, crypto::Rules::zip215, words);
  for (size_t i = 0; i < items.size(); ++i)
    if (!((words[i / 32] >> (i % 32)) & 1)) return "QC signature invalid";
  return "";
}

}  // namespace vigil::ledger
