#include "host/ledger/workload.hpp"

#include <cstring>
#include <string>

#include "host/consensus/wire.hpp"
#include "host/crypto/sha2.hpp"

namespace vigil::ledger {
namespace {

crypto::Seed seed_of(const std::string& label, uint64_t i) {
  std::string s = label + std::to_string(i);
  return crypto::sha256(as_bytes(s));
}

uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

Workload::Workload(const WorkloadConfig& c) : c_(c), nonces_(c.senders, 0) {
  for (uint32_t i = 0; i < c.validators; ++i)
    validators_.push_back(crypto::keypair_from_seed(seed_of("vigil-bench-validator-", i)));
  for (uint32_t i = 0; i < c.senders; ++i)
    senders_.push_back(crypto::keypair_from_seed(seed_of("vigil-bench-sender-", i)));
}

execution::GenesisState Workload::genesis() const {
  execution::GenesisState g;
  for (const auto& v : validators_) g.validators.push_back(v.public_key);
  for (const auto& s : senders_) g.balances.emplace_back(s.public_key, c_.sender_balance);
  return g;
}

PublicKey Workload::recipient(uint64_t i) const {
  return crypto::sha256(as_bytes("vigil-bench-recipient-" + std::to_string(i)));
}

void Workload::load_nonces(const Ledger& l) {
  for (size_t i = 0; i < senders_.size(); ++i)
    nonces_[i] = l.account(senders_[i].public_key).value_or(Account{}).nonce;
}

Bytes Workload::transfers(uint64_t height, uint32_t count) {
  Bytes out;
  out.reserve(size_t(count) * ingest::frame_size(sizeof(vigil_transfer)));
  for (uint32_t j = 0; j < count; ++j) {
    uint64_t r = splitmix(height * 0x100000001ull + j);
    size_t s = size_t((height * count + j) % senders_.size());
    execution::Transfer t;
    t.to = recipient(r % c_.recipients);
    t.amount = 1 + (r >> 40) % 1000;
    t.fee = 1;
    t.nonce = nonces_[s]++;
    Bytes f = execution::make_frame(senders_[s], execution::encode_transfer(t));
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

Block make_block(const BlockId& parent, uint64_t height, uint64_t epoch, uint32_t proposer,
                 const Hash& state_root, Bytes frames) {
  Block b;
  b.hdr.epoch = epoch;
  b.hdr.round = height;
  b.hdr.height = height;
  std::memcpy(b.hdr.parent_id, parent.data(), 32);
  std::memcpy(b.hdr.state_root, state_root.data(), 32);
  BlockId root = consensus::compute_tx_root(frames);
  std::memcpy(b.hdr.tx_root, root.data(), 32);
  b.hdr.tx_count = uint32_t(consensus::split_frames(frames).size());
  b.hdr.proposer = proposer;
  b.txs = std::move(frames);
  b.id = consensus::compute_block_id(b.hdr);
  return b;
}

QuorumCert sign_qc(const Block& b, std::span<const crypto::Keypair> validators, uint32_t signers) {
  QuorumCert qc;
  std::memcpy(qc.vote.block_id, b.id.data(), 32);
  qc.vote.epoch = b.hdr.epoch;
  qc.vote.round = b.hdr.round;
  qc.vote.height = b.hdr.height;
  std::memcpy(qc.vote.parent_id, b.hdr.parent_id, 32);
  qc.vote.parent_round = b.hdr.round - 1;
  Bytes msg = consensus::vote_signing_bytes(qc.vote);
  for (uint32_t i = 0; i < signers && i < validators.size(); ++i) {
    qc.signers.add(i);
    qc.sigs.push_back(crypto::sign(validators[i], msg));
  }
  return qc;
}

std::pair<Block, QuorumCert> Workload::next_block(const Ledger& l, Bytes frames) const {
  execution::GovernanceState g = l.governance();
  uint64_t h = l.height() + 1;
  uint32_t proposer = uint32_t(h % validators_.size());
  Block b = make_block(l.tip_id(), h, g.epoch, proposer, l.state_root(l.height()).value_or(Hash{}),
                       std::move(frames));
  return {b, sign_qc(b, validators_, g.quorum())};
}

}  // namespace vigil::ledger
