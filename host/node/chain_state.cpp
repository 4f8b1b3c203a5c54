#include "host/node/chain_state.hpp"

#include <cstring>

#include "host/ingest/frame.hpp"
#include "host/mempool/transfer.hpp"

namespace vigil::node {

std::string_view tx_code_name(TxCode c) {
  switch (c) {
    case TxCode::ok:
      return "ok";
    case TxCode::malformed_frame:
      return "malformed_frame";
    case TxCode::malformed_payload:
      return "malformed_payload";
    case TxCode::bad_nonce:
      return "bad_nonce";
    case TxCode::insufficient_balance:
      return "insufficient_balance";
    case TxCode::overflow:
      return "overflow";
    case TxCode::count_:
      break;
  }
  return "unknown";
}

bool split_frames(std::span<const uint8_t> frames, std::vector<std::span<const uint8_t>>* out) {
  out->clear();
  size_t pos = 0;
  while (pos < frames.size()) {
    if (frames.size() - pos < sizeof(vigil_tx_frame_hdr)) return false;
    const size_t payload = size_t(frames[pos + 2]) | size_t(frames[pos + 3]) << 8;
    const size_t n = ingest::frame_size(payload);
    if (payload > VIGIL_TX_PAYLOAD_MAX || frames.size() - pos < n) return false;
    out->push_back(frames.subspan(pos, n));
    pos += n;
  }
  return true;
}

ChainState::ChainState(const config::GenesisFile& genesis, size_t tx_index_capacity)
    : tx_index_capacity_(tx_index_capacity) {
  for (const auto& a : genesis.accounts) accounts_[a.key].balance += a.balance;
}

TxCode ChainState::apply_one(std::span<const uint8_t> frame, Sig* sig) {
  ingest::FrameView v;
  if (ingest::parse_frame(frame, v) != VIGIL_OK) return TxCode::malformed_frame;
  std::memcpy(sig->data(), v.signature, 64);
  const auto t = mempool::decode_transfer(v.payload);
  if (!t) return TxCode::malformed_payload;
  Key from;
  std::memcpy(from.data(), v.public_key, 32);
  auto it = accounts_.find(from);
  if (it == accounts_.end() || it->second.nonce != t->nonce) return TxCode::bad_nonce;
  Account& a = it->second;
  uint64_t cost = 0;
  if (__builtin_add_overflow(t->amount, t->fee, &cost)) return TxCode::overflow;
  if (a.balance < cost) return TxCode::insufficient_balance;
  Account& to = accounts_[t->to];
  uint64_t credited = 0;
  if (__builtin_add_overflow(to.balance, t->amount, &credited)) return TxCode::overflow;
  // `to` may be `a`: debit first, then credit the amount back.
  a.balance -= cost;
  to.balance += t->amount;
  ++a.nonce;
  return TxCode::ok;
}

Applied ChainState::apply(const consensus::Block& b) {
  Applied out;
  std::vector<std::span<const uint8_t>> frames;
  split_frames(b.txs, &frames);  // the proposer's tx_root vouched for these bytes
  for (uint32_t i = 0; i < frames.size(); ++i) {
    Sig sig{};
    const TxCode code = apply_one(frames[i], &sig);
    ++(code == TxCode::ok ? out.ok : out.rejected);
    ingest::FrameView v;
    if (code != TxCode::malformed_frame && ingest::parse_frame(frames[i], v) == VIGIL_OK) {
      Key from;
      std::memcpy(from.data(), v.public_key, 32);
      out.next_nonces[from] = nonce(from);
    }
    out.sigs.push_back(sig);
    if (receipts_.emplace(sig, Receipt{b.hdr.height, i, code}).second) {
      receipt_order_.push_back(sig);
      if (receipt_order_.size() > tx_index_capacity_) {
        receipts_.erase(receipt_order_.front());
        receipt_order_.pop_front();
      }
    }
  }
  committed_txs_ += out.ok;
  blocks_.push_back({b.hdr, b.id});
  tip_ = b.id;
  return out;
}

std::optional<Account> ChainState::account(const Key& k) const {
  auto it = accounts_.find(k);
  if (it == accounts_.end()) return std::nullopt;
  return it->second;
}

uint64_t ChainState::nonce(const Key& k) const {
  auto it = accounts_.find(k);
  return it == accounts_.end() ? 0 : it->second.nonce;
}

std::optional<Receipt> ChainState::receipt(const Sig& s) const {
  auto it = receipts_.find(s);
  if (it == receipts_.end()) return std::nullopt;
  return it->second;
}

const BlockSummary* ChainState::block(uint64_t height) const {
  if (height == 0 || height > blocks_.size()) return nullptr;
  return &blocks_[height - 1];
}

}  // namespace vigil::node
