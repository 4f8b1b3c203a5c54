// INTERIM execution and transaction index, until host/execution and the
// RocksDB ledger (issue 12) land and replace this file: accounts (balance,
// nonce) in memory, transfers applied in block order with a receipt each,
// and a bounded index from signature to receipt for GET /tx.
//
// Deterministic: integer arithmetic, checked; ordered containers only.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "host/config/genesis.hpp"
#include "host/consensus/types.hpp"

namespace vigil::node {

using Key = std::array<uint8_t, 32>;
using Sig = std::array<uint8_t, 64>;

enum class TxCode : uint8_t {
  ok = 0,
  malformed_frame,
  malformed_payload,
  bad_nonce,
  insufficient_balance,
  overflow,
  count_
};
std::string_view tx_code_name(TxCode c);

struct Account {
  uint64_t balance = 0;
  uint64_t nonce = 0;
};

struct Receipt {
  uint64_t height = 0;
  uint32_t index = 0;  // position in the block
  TxCode code = TxCode::ok;
};

struct BlockSummary {
  vigil_block_hdr hdr{};
  consensus::BlockId id{};
};

struct Applied {
  std::vector<Sig> sigs;                // every frame of the block
  std::map<Key, uint64_t> next_nonces;  // senders' nonces after the block
  uint32_t ok = 0, rejected = 0;
};

class ChainState {
 public:
  ChainState(const config::GenesisFile& genesis, size_t tx_index_capacity);

  Applied apply(const consensus::Block& b);

  std::optional<Account> account(const Key& k) const;
  uint64_t nonce(const Key& k) const;
  std::optional<Receipt> receipt(const Sig& s) const;
  const BlockSummary* block(uint64_t height) const;
  uint64_t height() const { return blocks_.empty() ? 0 : blocks_.back().hdr.height; }
  const consensus::BlockId& tip() const { return tip_; }
  uint64_t committed_txs() const { return committed_txs_; }

 private:
  TxCode apply_one(std::span<const uint8_t> frame, Sig* sig);

  std::map<Key, Account> accounts_;
  std::map<Sig, Receipt> receipts_;
  std::deque<Sig> receipt_order_;  // oldest first; the index forgets past capacity
  size_t tx_index_capacity_;
  std::vector<BlockSummary> blocks_;  // by height - 1 (128 bytes + id per block)
  consensus::BlockId tip_{};
  uint64_t committed_txs_ = 0;
};

// Splits frames back to back (each self-delimiting by its payload length);
// false when the bytes do not split exactly.
bool split_frames(std::span<const uint8_t> frames, std::vector<std::span<const uint8_t>>* out);

}  // namespace vigil::node
