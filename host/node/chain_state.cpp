#include "host/node/chain_state.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "host/consensus/wire.hpp"
#include "host/ingest/frame.hpp"
#include "host/ledger/account_json.hpp"

namespace vigil::node {
namespace {

// Committed blocks waiting for their QC, at most (a QC comes with the
// block's child: more than this means it never comes).
constexpr size_t kMaxWaiting = 1024;
// Tx roots of blocks whose frames this node verified, remembered.
constexpr size_t kMaxVerified = 256;
// Epoch-end blocks kept for block sync: of the latest epochs, a few each.
constexpr size_t kMaxEpochEnds = 8, kMaxEpochEndBlocks = 8;

}  // namespace

std::string_view tx_code_name(uint8_t code) {
  switch (code) {
    case VIGIL_TX_OK:
      return "ok";
    case VIGIL_TX_ERR_MALFORMED:
      return "malformed";
    case VIGIL_TX_ERR_BAD_SIGNATURE:
      return "bad_signature";
    case VIGIL_TX_ERR_UNKNOWN_ACCOUNT:
      return "unknown_account";
    case VIGIL_TX_ERR_BAD_NONCE:
      return "bad_nonce";
    case VIGIL_TX_ERR_INSUFFICIENT:
      return "insufficient_balance";
    case VIGIL_TX_ERR_OVERFLOW:
      return "overflow";
    case VIGIL_TX_ERR_NOT_VALIDATOR:
      return "not_validator";
    case VIGIL_TX_ERR_WRONG_EPOCH:
      return "wrong_epoch";
    case VIGIL_TX_ERR_BAD_ACTION:
      return "bad_action";
    case VIGIL_TX_ERR_DUPLICATE_VOTE:
      return "duplicate_vote";
  }
  return "unknown";
}

std::unique_ptr<ChainState> ChainState::open(const std::string& data_dir,
                                             const config::GenesisFile& genesis,
                                             const ledger::LedgerOptions& options,
                                             std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    *error = "cannot create data directory " + data_dir + ": " + ec.message();
    return nullptr;
  }
  std::unique_ptr<ChainState> c(new ChainState());
  c->ledger_ = ledger::Ledger::open(data_dir + "/ledger", options, error);
  if (!c->ledger_) return nullptr;
  execution::GenesisState g;
  for (const auto& v : genesis.validators) g.validators.push_back(v.key);
  for (const auto& a : genesis.accounts) g.balances.push_back({a.key, a.balance});
  if (std::string why = c->ledger_->init_genesis(g); !why.empty()) {
    *error = data_dir + "/ledger: " + why;
    return nullptr;
  }
  return c;
}

// --- the core's hooks ----------------------------------------------------------

std::optional<consensus::BlockId> ChainState::state_after(const consensus::BlockId& parent) {
  std::lock_guard lk(mu_);
  ledger::Speculation s = ledger_->after(parent);
  if (!s.ok()) return std::nullopt;
  return s.state_root;
}

std::vector<uint8_t> ChainState::verdicts(const consensus::Block& b) const {
  if (!verified_.count(consensus::to_id(b.hdr.tx_root))) return {};
  return std::vector<uint8_t>(b.hdr.tx_count, 1);
}

consensus::BlockCheck ChainState::check(const consensus::Block& b) {
  std::lock_guard lk(mu_);
  // The ledger checks the tx root against the frames: the verdicts, keyed on
  // it, then vouch for exactly these bytes.
  ledger::Speculation s = ledger_->speculate(b, verdicts(b));
  if (s.ok()) return consensus::BlockCheck::ok;
  return s.refused ? consensus::BlockCheck::bad : consensus::BlockCheck::unknown;
}

std::optional<std::vector<consensus::PublicKey>> ChainState::next_validators(
    const consensus::Block& b) {
  // Only a governance transaction ends an epoch: other blocks need no
  // execution here.
  bool governance = false;
  for (auto f : consensus::split_frames(b.txs)) {
    ingest::FrameView v;
    governance |= ingest::parse_frame(f, v) == VIGIL_OK &&
                  execution::payload_kind(v.payload) == VIGIL_TX_GOVERNANCE;
  }
  if (!governance) return std::nullopt;
  std::lock_guard lk(mu_);
  // The core committed b's ancestors just before b; a node catching up may
  // hold them far above the ledger's tip, past what speculation reaches.
  std::string why = commit_ancestors(b);
  ledger::Speculation s = ledger_->speculate(b, verdicts(b));
  if (!s.ok() && !s.refused) {
    // The answer decides the epoch: guessing could fork this node.
    std::fprintf(stderr, "vigild: cannot execute committed block %llu ahead (%s%s%s); stopping\n",
                 (unsigned long long)b.hdr.height, s.error.c_str(), why.empty() ? "" : "; ",
                 why.c_str());
    std::_Exit(1);
  }
  if (!s.ok() || !s.next_epoch) return std::nullopt;
  return s.next_epoch->validators;
}

std::string ChainState::commit_ancestors(const consensus::Block& b) {
  if (b.hdr.height <= ledger_->height() + 1) return "";
  // Copies: a commit drops the ledger's pending blocks at or below its tip.
  std::vector<consensus::Block> chain;
  consensus::BlockId id = consensus::to_id(b.hdr.parent_id);
  for (uint64_t h = b.hdr.height - 1; h > ledger_->height(); --h) {
    const consensus::Block* p = ledger_->block(id);
    if (!p || p->hdr.height != h) return "ancestor at height " + std::to_string(h) + " not here";
    chain.push_back(*p);
    id = consensus::to_id(p->hdr.parent_id);
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const consensus::QuorumCert* qc = ledger_->qc_for(it->id);
    if (!qc) return "no QC for height " + std::to_string(it->hdr.height);
    std::string error;
    std::optional<Applied> a = apply(*it, *qc, &error);
    if (!a) return error;
    early_.push_back(std::move(*a));
  }
  return "";
}

void ChainState::note_verified(const consensus::BlockId& tx_root) {
  std::lock_guard lk(mu_);
  if (!verified_.emplace(tx_root, true).second) return;
  verified_order_.push_back(tx_root);
  if (verified_order_.size() > kMaxVerified) {
    verified_.erase(verified_order_.front());
    verified_order_.pop_front();
  }
}

// --- commits ---------------------------------------------------------------------

std::vector<Applied> ChainState::commit(const std::vector<consensus::Block>& blocks,
                                        std::string* error) {
  {
    std::lock_guard lk(mu_);
    for (const auto& b : blocks) waiting_.push_back(b);
    if (waiting_.size() > kMaxWaiting) {
      *error = "more than " + std::to_string(kMaxWaiting) + " committed blocks lack their QC";
      return {};
    }
  }
  return drain(error);
}

std::vector<Applied> ChainState::drain(std::string* error) {
  std::lock_guard lk(mu_);
  std::vector<Applied> out = std::move(early_);
  early_.clear();
  while (!waiting_.empty()) {
    const consensus::Block& b = waiting_.front();
    // Written already: before a restart, or by commit_ancestors.
    if (b.hdr.height <= ledger_->height()) {
      waiting_.pop_front();
      continue;
    }
    const consensus::QuorumCert* qc = ledger_->qc_for(b.id);
    if (!qc) break;
    std::optional<Applied> a = apply(b, *qc, error);
    if (!a) return out;
    waiting_.pop_front();
    out.push_back(std::move(*a));
  }
  return out;
}

std::optional<Applied> ChainState::apply(const consensus::Block& b, const consensus::QuorumCert& qc,
                                         std::string* error) {
  ledger::CommitResult r = ledger_->commit(b, qc, verdicts(b));
  if (!r.ok()) {
    *error = "ledger refused committed block " + std::to_string(b.hdr.height) + ": " + r.error;
    return std::nullopt;
  }
  Applied a;
  a.ok = uint32_t(r.applied);
  a.rejected = uint32_t(r.receipts.size() - r.applied);
  for (auto f : consensus::split_frames(b.txs)) {
    ingest::FrameView v;
    if (ingest::parse_frame(f, v) != VIGIL_OK) continue;
    Sig sig;
    Key from;
    std::memcpy(sig.data(), v.signature, 64);
    std::memcpy(from.data(), v.public_key, 32);
    a.sigs.push_back(sig);
    if (!a.next_nonces.count(from)) {
      auto acct = ledger_->account(from);
      a.next_nonces[from] = acct ? acct->nonce : 0;
    }
  }
  committed_txs_ += a.ok;
  a.block = b;
  return a;
}

// --- reads -------------------------------------------------------------------------

uint64_t ChainState::height() const {
  std::lock_guard lk(mu_);
  return ledger_->height();
}

consensus::BlockId ChainState::tip() const {
  std::lock_guard lk(mu_);
  return ledger_->tip_id();
}

uint64_t ChainState::nonce(const Key& k) const {
  auto a = account(k);
  return a ? a->nonce : 0;
}

std::optional<ledger::Account> ChainState::account(const Key& k) const {
  std::lock_guard lk(mu_);
  return ledger_->account(k);
}

std::optional<std::string> ChainState::account_json(const Key& k, bool proof,
                                                    std::string* error) const {
  std::lock_guard lk(mu_);
  auto at = ledger_->account_at(k, ledger_->height(), error);
  if (!at) return std::nullopt;
  return ledger::account_json(*ledger_, k, *at, proof).dump();
}

std::optional<Receipt> ChainState::receipt(const Sig& s) const {
  std::lock_guard lk(mu_);
  for (const auto& loc : ledger_->find_tx(s)) {
    auto rs = ledger_->receipts_at(loc.height);
    if (!rs || loc.index >= rs->size()) continue;
    const vigil_receipt& r = (*rs)[loc.index];
    // A frame committed twice: the first (applied) one is its receipt.
    return Receipt{loc.height, loc.index, r.code};
  }
  return std::nullopt;
}

std::optional<consensus::Block> ChainState::block_at(uint64_t height) const {
  std::lock_guard lk(mu_);
  auto cb = ledger_->block_at(height);
  if (!cb) return std::nullopt;
  return std::move(cb->block);
}

uint64_t ChainState::committed_txs() const {
  std::lock_guard lk(mu_);
  return committed_txs_;
}

// --- consensus::Storage --------------------------------------------------------------

void ChainState::put_block(const consensus::Block& b) {
  std::lock_guard lk(mu_);
  ledger_->put_block(b);
}
const consensus::Block* ChainState::block(const consensus::BlockId& id) const {
  std::lock_guard lk(mu_);
  if (const consensus::Block* b = ledger_->block(id)) return b;
  for (const auto& [e, blocks] : epoch_end_blocks_)
    for (const auto& b : blocks)
      if (b.id == id) return &b;
  return nullptr;
}
void ChainState::put_qc(const consensus::QuorumCert& qc) {
  std::lock_guard lk(mu_);
  ledger_->put_qc(qc);
}
const consensus::QuorumCert* ChainState::qc_for(const consensus::BlockId& id) const {
  std::lock_guard lk(mu_);
  return ledger_->qc_for(id);
}
void ChainState::put_high_qc(const consensus::QuorumCert& qc) {
  std::lock_guard lk(mu_);
  ledger_->put_high_qc(qc);
}
std::optional<consensus::QuorumCert> ChainState::high_qc() const {
  std::lock_guard lk(mu_);
  return ledger_->high_qc();
}
void ChainState::put_high_tc(const consensus::TimeoutCert& tc) {
  std::lock_guard lk(mu_);
  ledger_->put_high_tc(tc);
}
std::optional<consensus::TimeoutCert> ChainState::high_tc() const {
  std::lock_guard lk(mu_);
  return ledger_->high_tc();
}
void ChainState::put_committed(const consensus::CommittedTip& tip) {
  std::lock_guard lk(mu_);
  ledger_->put_committed(tip);
}
std::optional<consensus::CommittedTip> ChainState::committed() const {
  std::lock_guard lk(mu_);
  return ledger_->committed();
}
void ChainState::put_epoch(const consensus::EpochRecord& e) {
  std::lock_guard lk(mu_);
  ledger_->put_epoch(e);
}
std::optional<consensus::EpochRecord> ChainState::epoch() const {
  std::lock_guard lk(mu_);
  return ledger_->epoch();
}
void ChainState::put_epoch_end_qc(consensus::Epoch e, const consensus::QuorumCert& qc) {
  std::lock_guard lk(mu_);
  ledger_->put_epoch_end_qc(e, qc);
  // The core stored the epoch's last commit just before: keep what is above it.
  const auto tip = ledger_->committed();
  std::vector<consensus::Block>& kept = epoch_end_blocks_[e];
  kept.clear();
  consensus::BlockId id = qc.block_id();
  for (const consensus::Block* b = ledger_->block(id);
       b && tip && b->hdr.height > tip->height && kept.size() < kMaxEpochEndBlocks;
       b = ledger_->block(id)) {
    kept.push_back(*b);
    id = consensus::to_id(b->hdr.parent_id);
  }
  while (epoch_end_blocks_.size() > kMaxEpochEnds)
    epoch_end_blocks_.erase(epoch_end_blocks_.begin());
}
const consensus::QuorumCert* ChainState::epoch_end_qc(consensus::Epoch e) const {
  std::lock_guard lk(mu_);
  return ledger_->epoch_end_qc(e);
}

void ChainState::save_safety(const consensus::SafetyState& s) {
  std::lock_guard lk(mu_);
  ledger_->clear_error();
  ledger_->save_safety(s);
  if (!ledger_->last_error().empty()) {
    // Signing on without a durable record could equivocate after a crash.
    std::fprintf(stderr, "vigild: cannot write the safety state (%s); stopping\n",
                 ledger_->last_error().c_str());
    std::_Exit(1);
  }
}
std::optional<consensus::SafetyState> ChainState::safety() const {
  std::lock_guard lk(mu_);
  return ledger_->safety();
}

}  // namespace vigil::node
