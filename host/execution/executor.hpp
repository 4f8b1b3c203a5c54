// The state machine: accounts (public key -> balance, nonce) and governance,
// applied to a committed block's frames in order.
//
// Promise: execute() is a pure function of (state, block): integer
// arithmetic only, every sum checked, ordered containers only, no clock. It
// never fails: every frame gets a receipt (firmware-interface transfer.h),
// and a rejected frame changes nothing. Replay is refused by nonce: a frame
// committed twice meets BAD_NONCE the second time.
//
// State lives in leaves of the sparse Merkle tree (host/state): an account
// under SHA-256(public key), the governance record under
// SHA-256("vigil/governance/v1"). Fees go to the block's proposer.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "host/execution/transaction.hpp"
#include "host/state/smt.hpp"

namespace vigil::execution {

using state::Hash;

struct Account {
  uint64_t balance = 0;
  uint64_t nonce = 0;
  bool operator==(const Account&) const = default;
};

Hash account_key(const PublicKey& pk);
extern const Hash kGovernanceKey;

// Leaf value of an account: key (32), balance (u64 LE), nonce (u64 LE).
Bytes encode_account(const PublicKey& pk, const Account& a);
std::optional<std::pair<PublicKey, Account>> decode_account(ByteView b);

// The governance record: the epoch, its validators, the active and pending
// protocol versions, and the approvals gathered for each proposed change.
struct GovernanceState {
  struct Change {
    GovernanceTx tx;                  // action and content (epoch, nonce zero)
    std::vector<uint32_t> approvers;  // validator indices, ascending
    bool operator==(const Change&) const = default;
  };
  uint64_t epoch = 1;
  std::vector<PublicKey> validators;
  uint64_t protocol_version = 1;
  uint64_t pending_protocol = 0;   // activates at the next epoch boundary; 0: none
  std::map<Hash, Change> changes;  // by change id
  uint32_t quorum() const {
    uint32_t n = uint32_t(validators.size());
    return n - (n ? (n - 1) / 3 : 0);
  }
  bool operator==(const GovernanceState&) const = default;
};
Bytes encode_governance_state(const GovernanceState& g);
std::optional<GovernanceState> decode_governance_state(ByteView b);

// The state before block 1 (version 0 of the tree).
struct GenesisState {
  std::vector<PublicKey> validators;
  std::vector<std::pair<PublicKey, uint64_t>> balances;
};
Bytes encode_genesis(const GenesisState& g);
std::optional<GenesisState> decode_genesis(ByteView b);
// The leaves of the genesis state: every balance, an account for every
// validator, and the governance record of epoch 1.
std::map<Hash, Bytes> genesis_writes(const GenesisState& g);

// The latest state, read by key hash.
class StateReader {
 public:
  virtual ~StateReader() = default;
  virtual std::optional<Bytes> get(const Hash& key_hash) const = 0;
};

struct BlockInput {
  ByteView frames;                     // the block's frames back to back
  uint32_t proposer = 0;               // validator index in the current epoch
  std::span<const uint8_t> sig_valid;  // 1 per frame when verified; empty: execute() verifies
};

struct BlockOutput {
  std::vector<vigil_receipt> receipts;  // one per frame, in order
  std::map<Hash, Bytes> writes;         // changed leaves
  // Set when this block ends its epoch: the governance record of the next.
  std::optional<GovernanceState> next_epoch;
  uint64_t applied = 0;  // receipts with VIGIL_TX_OK
};

BlockOutput execute(const StateReader& state, const BlockInput& block);

// A light client's check: `proof` shows that `pk` holds `account` (or,
// with nullopt, has no account) in the state whose root is `root`.
bool verify_account_proof(const Hash& root, const PublicKey& pk,
                          const std::optional<Account>& account, const state::Proof& proof);

// Verifies every frame's signature (ZIP 215, one batch); 1 = valid, 0 for a
// bad signature or a frame that does not parse.
std::vector<uint8_t> verify_frames(std::span<const ByteView> frames);

}  // namespace vigil::execution
