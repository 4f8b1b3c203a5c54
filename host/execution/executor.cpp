#include "host/execution/executor.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "host/consensus/wire.hpp"
#include "host/crypto/sha2.hpp"

namespace vigil::execution {
namespace {

constexpr char kGovernanceLabel[] = "vigil/governance/v1";

void put_u64(Bytes& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
void put_u32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

// Bounds-checked little-endian reader.
struct Reader {
  ByteView b;
  size_t at = 0;
  bool ok = true;
  const uint8_t* take(size_t n) {
    if (!ok || b.size() - at < n) {
      ok = false;
      return nullptr;
    }
    const uint8_t* p = b.data() + at;
    at += n;
    return p;
  }
  uint64_t u64() {
    const uint8_t* p = take(8);
    uint64_t v = 0;
    for (int i = 0; p && i < 8; ++i) v |= uint64_t(p[i]) << (8 * i);
    return v;
  }
  uint32_t u32() {
    const uint8_t* p = take(4);
    return p ? uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24
             : 0;
  }
  PublicKey key() {
    PublicKey k{};
    if (const uint8_t* p = take(32)) std::memcpy(k.data(), p, 32);
    return k;
  }
  bool done() const { return ok && at == b.size(); }
};

Hash change_id(const GovernanceTx& g) {
  Bytes b{uint8_t(g.action)};
  put_u64(b, g.protocol_version);
  for (const auto& k : g.keys) b.insert(b.end(), k.begin(), k.end());
  return crypto::sha256(b);
}

// The block's view of the state: reads fall through to the store, writes
// stay here until the block is done.
class Overlay {
 public:
  explicit Overlay(const StateReader& base) : base_(base) {}

  std::optional<Account> account(const PublicKey& pk) const { return account_at(account_key(pk)); }
  // The same by the account's key hash (a transfer hashes each key once),
  // decoded in place when this block wrote it.
  std::optional<Account> account_at(const Hash& key) const {
    if (auto it = writes_.find(key); it != writes_.end()) return decoded(it->second);
    std::optional<Bytes> v = base_.get(key);
    if (!v) return std::nullopt;
    return decoded(*v);
  }
  void set_account(const PublicKey& pk, const Account& a) {
    set_account_at(account_key(pk), pk, a);
  }
  void set_account_at(const Hash& key, const PublicKey& pk, const Account& a) {
    Bytes& v = writes_[key];
    v.clear();
    v.insert(v.end(), pk.begin(), pk.end());
    put_u64(v, a.balance);
    put_u64(v, a.nonce);
  }
  GovernanceState governance() const {
    std::optional<Bytes> v = read(kGovernanceKey);
    if (!v) return {};
    return decode_governance_state(*v).value_or(GovernanceState{});
  }
  void set_governance(const GovernanceState& g) {
    writes_[kGovernanceKey] = encode_governance_state(g);
  }
  std::map<Hash, Bytes> take() { return std::move(writes_); }

 private:
  static std::optional<Account> decoded(ByteView v) {
    auto a = decode_account(v);
    if (!a) return std::nullopt;
    return a->second;
  }
  std::optional<Bytes> read(const Hash& k) const {
    auto it = writes_.find(k);
    if (it != writes_.end()) return it->second;
    return base_.get(k);
  }
  const StateReader& base_;
  std::map<Hash, Bytes> writes_;
};

bool add_overflows(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b;
}

// An account with its key hash, hashed once per block (the proposer) or per
// transfer.
struct Keyed {
  PublicKey pk;
  Hash key;
};

vigil_tx_error apply_transfer(Overlay& s, const PublicKey& from, const Transfer& t,
                              const std::optional<Keyed>& proposer) {
  const Hash from_key = account_key(from);
  std::optional<Account> sender = s.account_at(from_key);
  if (!sender) return VIGIL_TX_ERR_UNKNOWN_ACCOUNT;
  if (t.nonce != sender->nonce) return VIGIL_TX_ERR_BAD_NONCE;
  if (add_overflows(t.amount, t.fee) || sender->nonce == UINT64_MAX) return VIGIL_TX_ERR_OVERFLOW;
  if (sender->balance < t.amount + t.fee) return VIGIL_TX_ERR_INSUFFICIENT;
  // Debit, then credit payee and proposer, each seeing the one before (they
  // may be the same account); any overflow drops the whole transaction.
  struct Local {
    const PublicKey* pk;
    const Hash* key;
    Account a;
  };
  std::array<Local, 3> local;
  size_t n = 0;
  local[n++] = {&from, &from_key, Account{sender->balance - t.amount - t.fee, sender->nonce + 1}};
  auto credit = [&](const PublicKey& pk, const Hash& key, uint64_t amount) {
    Local* l = nullptr;
    for (size_t i = 0; i < n; ++i)
      if (*local[i].pk == pk) l = &local[i];
    Account a = l ? l->a : s.account_at(key).value_or(Account{});
    if (add_overflows(a.balance, amount)) return false;
    a.balance += amount;
    if (!l) l = &local[n++], l->pk = &pk, l->key = &key;
    l->a = a;
    return true;
  };
  const Hash to_key = account_key(t.to);
  if (!credit(t.to, to_key, t.amount)) return VIGIL_TX_ERR_OVERFLOW;
  if (proposer && !credit(proposer->pk, proposer->key, t.fee)) return VIGIL_TX_ERR_OVERFLOW;
  for (size_t i = 0; i < n; ++i) s.set_account_at(*local[i].key, *local[i].pk, local[i].a);
  return VIGIL_TX_OK;
}

// Ends the epoch: the named set (or the same one) takes over, a pending
// protocol version activates, approvals start afresh.
GovernanceState next_epoch(const GovernanceState& g, const std::vector<PublicKey>& keys) {
  GovernanceState n;
  n.epoch = g.epoch + 1;
  n.validators = keys;
  n.protocol_version = g.pending_protocol ? g.pending_protocol : g.protocol_version;
  return n;
}

vigil_tx_error apply_governance(Overlay& s, const PublicKey& from, const GovernanceTx& tx,
                                std::optional<GovernanceState>& ended) {
  GovernanceState g = s.governance();
  auto it = std::find(g.validators.begin(), g.validators.end(), from);
  if (it == g.validators.end()) return VIGIL_TX_ERR_NOT_VALIDATOR;
  if (tx.epoch != g.epoch) return VIGIL_TX_ERR_WRONG_EPOCH;
  std::optional<Account> acct = s.account(from);
  if (!acct) return VIGIL_TX_ERR_UNKNOWN_ACCOUNT;
  if (tx.nonce != acct->nonce) return VIGIL_TX_ERR_BAD_NONCE;
  if (acct->nonce == UINT64_MAX) return VIGIL_TX_ERR_OVERFLOW;
  if (tx.action == VIGIL_GOV_PROTOCOL_VERSION && tx.protocol_version <= g.protocol_version)
    return VIGIL_TX_ERR_BAD_ACTION;
  const uint32_t index = uint32_t(it - g.validators.begin());
  GovernanceTx content = tx;
  content.epoch = 0;
  content.nonce = 0;
  GovernanceState::Change& c = g.changes[change_id(content)];
  c.tx = content;
  if (std::binary_search(c.approvers.begin(), c.approvers.end(), index))
    return VIGIL_TX_ERR_DUPLICATE_VOTE;
  c.approvers.insert(std::upper_bound(c.approvers.begin(), c.approvers.end(), index), index);
  acct->nonce += 1;
  s.set_account(from, *acct);
  if (c.approvers.size() >= g.quorum()) {
    if (tx.action == VIGIL_GOV_PROTOCOL_VERSION) {
      g.pending_protocol = tx.protocol_version;
      g.changes.erase(change_id(content));
    } else {
      g = next_epoch(g, tx.keys);
      ended = g;
    }
  }
  s.set_governance(g);
  return VIGIL_TX_OK;
}

}  // namespace

const Hash kGovernanceKey = crypto::sha256(
    ByteView(reinterpret_cast<const uint8_t*>(kGovernanceLabel), sizeof kGovernanceLabel - 1));

Hash account_key(const PublicKey& pk) {
  return crypto::sha256(pk);
}

Bytes encode_account(const PublicKey& pk, const Account& a) {
  Bytes out(pk.begin(), pk.end());
  put_u64(out, a.balance);
  put_u64(out, a.nonce);
  return out;
}

std::optional<std::pair<PublicKey, Account>> decode_account(ByteView b) {
  Reader r{b};
  PublicKey pk = r.key();
  Account a;
  a.balance = r.u64();
  a.nonce = r.u64();
  if (!r.done()) return std::nullopt;
  return std::make_pair(pk, a);
}

Bytes encode_governance_state(const GovernanceState& g) {
  Bytes out;
  put_u64(out, g.epoch);
  put_u64(out, g.protocol_version);
  put_u64(out, g.pending_protocol);
  put_u32(out, uint32_t(g.validators.size()));
  for (const auto& k : g.validators) out.insert(out.end(), k.begin(), k.end());
  put_u32(out, uint32_t(g.changes.size()));
  for (const auto& [id, c] : g.changes) {
    Bytes tx = encode_governance(c.tx);
    put_u32(out, uint32_t(tx.size()));
    out.insert(out.end(), tx.begin(), tx.end());
    put_u32(out, uint32_t(c.approvers.size()));
    for (uint32_t a : c.approvers) put_u32(out, a);
  }
  return out;
}

std::optional<GovernanceState> decode_governance_state(ByteView b) {
  Reader r{b};
  GovernanceState g;
  g.epoch = r.u64();
  g.protocol_version = r.u64();
  g.pending_protocol = r.u64();
  uint32_t n = r.u32();
  if (n > VIGIL_MAX_VALIDATORS) return std::nullopt;
  for (uint32_t i = 0; i < n && r.ok; ++i) g.validators.push_back(r.key());
  uint32_t changes = r.u32();
  for (uint32_t i = 0; i < changes && r.ok; ++i) {
    uint32_t len = r.u32();
    const uint8_t* p = r.take(len);
    if (!p) return std::nullopt;
    auto tx = decode_governance({p, len});
    if (!tx) return std::nullopt;
    GovernanceState::Change c;
    c.tx = *tx;
    uint32_t count = r.u32();
    if (count > n) return std::nullopt;
    for (uint32_t k = 0; k < count && r.ok; ++k) c.approvers.push_back(r.u32());
    g.changes[change_id(c.tx)] = std::move(c);
  }
  if (!r.done()) return std::nullopt;
  return g;
}

Bytes encode_genesis(const GenesisState& g) {
  Bytes out;
  put_u32(out, uint32_t(g.validators.size()));
  for (const auto& k : g.validators) out.insert(out.end(), k.begin(), k.end());
  put_u32(out, uint32_t(g.balances.size()));
  for (const auto& [k, v] : g.balances) {
    out.insert(out.end(), k.begin(), k.end());
    put_u64(out, v);
  }
  return out;
}

std::optional<GenesisState> decode_genesis(ByteView b) {
  Reader r{b};
  GenesisState g;
  uint32_t n = r.u32();
  if (n == 0 || n > VIGIL_MAX_VALIDATORS) return std::nullopt;
  for (uint32_t i = 0; i < n && r.ok; ++i) g.validators.push_back(r.key());
  uint32_t m = r.u32();
  if (m > b.size() / 40) return std::nullopt;
  for (uint32_t i = 0; i < m && r.ok; ++i) {
    PublicKey k = r.key();
    g.balances.emplace_back(k, r.u64());
  }
  if (!r.done()) return std::nullopt;
  return g;
}

std::map<Hash, Bytes> genesis_writes(const GenesisState& g) {
  std::map<Hash, Bytes> out;
  std::map<PublicKey, uint64_t> balances;
  for (const auto& k : g.validators) balances[k];
  for (const auto& [k, v] : g.balances) balances[k] = v;
  for (const auto& [k, v] : balances) out[account_key(k)] = encode_account(k, Account{v, 0});
  GovernanceState gov;
  gov.validators = g.validators;
  out[kGovernanceKey] = encode_governance_state(gov);
  return out;
}

bool verify_account_proof(const Hash& root, const PublicKey& pk,
                          const std::optional<Account>& account, const state::Proof& proof) {
  std::optional<Bytes> value;
  if (account) value = encode_account(pk, *account);
  return state::verify_proof(root, account_key(pk), value, proof);
}

std::vector<uint8_t> verify_frames(std::span<const ByteView> frames) {
  std::vector<uint8_t> ok(frames.size(), 0);
  std::vector<Bytes> messages;
  std::vector<crypto::VerifyItem> items;
  std::vector<size_t> index;
  messages.reserve(frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    ingest::FrameView f;
    if (ingest::parse_frame(frames[i], f) != VIGIL_OK) continue;
    messages.push_back(frame_signed_message(f));
    items.push_back({f.public_key, f.signature, messages.back()});
    index.push_back(i);
  }
  std::vector<uint32_t> words(VIGIL_VERDICT_WORDS(items.size()) + 1);
  crypto::verify_batch(items, crypto::Rules::zip215, words);
  for (size_t k = 0; k < items.size(); ++k) ok[index[k]] = (words[k / 32] >> (k % 32)) & 1;
  return ok;
}

BlockOutput execute(const StateReader& state, const BlockInput& block) {
  std::vector<ByteView> frames = consensus::split_frames(block.frames);
  std::vector<uint8_t> verified;
  std::span<const uint8_t> valid = block.sig_valid;
  if (valid.size() != frames.size()) {
    verified = verify_frames(frames);
    valid = verified;
  }
  Overlay s(state);
  BlockOutput out;
  const GovernanceState start = s.governance();
  std::optional<Keyed> proposer;
  if (block.proposer < start.validators.size()) {
    const PublicKey& pk = start.validators[block.proposer];
    proposer = Keyed{pk, account_key(pk)};
  }
  out.receipts.reserve(frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    vigil_receipt r{uint32_t(i), VIGIL_TX_ERR_MALFORMED, 0, 0};
    ingest::FrameView f;
    if (ingest::parse_frame(frames[i], f) == VIGIL_OK) {
      PublicKey from;
      std::memcpy(from.data(), f.public_key, 32);
      r.kind = payload_kind(f.payload);
      if (!valid[i]) {
        r.code = VIGIL_TX_ERR_BAD_SIGNATURE;
      } else if (r.kind == VIGIL_TX_TRANSFER) {
        if (auto t = decode_transfer(f.payload))
          r.code = uint8_t(apply_transfer(s, from, *t, proposer));
      } else if (r.kind == VIGIL_TX_GOVERNANCE) {
        if (auto g = decode_governance(f.payload))
          r.code = uint8_t(apply_governance(s, from, *g, out.next_epoch));
      }
      if (r.code == VIGIL_TX_ERR_MALFORMED) r.kind = 0;
    }
    out.applied += r.code == VIGIL_TX_OK;
    out.receipts.push_back(r);
  }
  out.writes = s.take();
  return out;
}

}  // namespace vigil::execution
