// Execution: every receipt code, checked overflow, replay by nonce, and
// governance with fewer than and with 2f+1 approvals.
#include <gtest/gtest.h>

#include <cstring>

#include "host/crypto/sha2.hpp"
#include "host/execution/executor.hpp"

namespace vigil::execution {
namespace {

crypto::Keypair key(uint8_t i) {
  crypto::Seed s{};
  s[0] = i;
  s[1] = 0x5a;
  return crypto::keypair_from_seed(s);
}

class MapState final : public StateReader {
 public:
  std::optional<Bytes> get(const Hash& k) const override {
    auto it = leaves.find(k);
    if (it == leaves.end()) return std::nullopt;
    return it->second;
  }
  void apply(const BlockOutput& o) {
    for (const auto& [k, v] : o.writes) leaves[k] = v;
  }
  std::optional<Account> account(const PublicKey& pk) const {
    auto v = get(account_key(pk));
    if (!v) return std::nullopt;
    return decode_account(*v)->second;
  }
  GovernanceState gov() const { return *decode_governance_state(*get(kGovernanceKey)); }
  std::map<Hash, Bytes> leaves;
};

class Execution : public ::testing::Test {
 protected:
  void SetUp() override {
    for (uint8_t i = 0; i < 4; ++i) validators.push_back(key(i));
    alice = key(10);
    bob = key(11);
    GenesisState g;
    for (auto& v : validators) g.validators.push_back(v.public_key);
    g.balances = {{alice.public_key, 1000}, {bob.public_key, UINT64_MAX - 5}};
    state.leaves = genesis_writes(g);
  }
  Bytes transfer(const crypto::Keypair& from, const PublicKey& to, uint64_t amount, uint64_t fee,
                 uint64_t nonce) {
    return make_frame(from, encode_transfer({to, amount, fee, nonce}));
  }
  // Runs one block of `frames` (proposer validator 0) and applies it.
  BlockOutput run(const std::vector<Bytes>& frames) {
    Bytes all;
    for (const auto& f : frames) all.insert(all.end(), f.begin(), f.end());
    BlockOutput o = execute(state, {all, 0, {}});
    state.apply(o);
    return o;
  }
  uint8_t code_of(const Bytes& frame) { return run({frame}).receipts.at(0).code; }

  std::vector<crypto::Keypair> validators;
  crypto::Keypair alice, bob;
  MapState state;
};

TEST_F(Execution, TransferMovesAmountAndFee) {
  PublicKey carol = key(12).public_key;
  BlockOutput o = run({transfer(alice, carol, 100, 3, 0)});
  ASSERT_EQ(o.receipts.size(), 1u);
  EXPECT_EQ(o.receipts[0].code, VIGIL_TX_OK);
  EXPECT_EQ(o.receipts[0].kind, VIGIL_TX_TRANSFER);
  EXPECT_EQ(state.account(alice.public_key), (Account{897, 1}));
  EXPECT_EQ(state.account(carol), (Account{100, 0}));
  EXPECT_EQ(state.account(validators[0].public_key), (Account{3, 0}));  // the proposer
}

TEST_F(Execution, EveryRejectionHasItsReceiptAndChangesNothing) {
  PublicKey carol = key(12).public_key;
  const auto before = state.leaves;
  EXPECT_EQ(code_of(transfer(key(99), carol, 1, 0, 0)), VIGIL_TX_ERR_UNKNOWN_ACCOUNT);
  EXPECT_EQ(code_of(transfer(alice, carol, 1, 0, 5)), VIGIL_TX_ERR_BAD_NONCE);
  EXPECT_EQ(code_of(transfer(alice, carol, 1000, 1, 0)), VIGIL_TX_ERR_INSUFFICIENT);
  EXPECT_EQ(code_of(transfer(alice, carol, UINT64_MAX, 1, 0)), VIGIL_TX_ERR_OVERFLOW);
  // Crediting bob past 2^64 - 1.
  EXPECT_EQ(code_of(transfer(alice, bob.public_key, 10, 0, 0)), VIGIL_TX_ERR_OVERFLOW);
  // A bad signature: flip a signature byte, fix the CRC by re-encoding.
  Bytes f = transfer(alice, carol, 1, 0, 0);
  ingest::FrameView v;
  ASSERT_EQ(ingest::parse_frame(f, v), VIGIL_OK);
  crypto::Signature sig;
  std::memcpy(sig.data(), v.signature, 64);
  sig[3] ^= 1;
  Bytes payload(v.payload.begin(), v.payload.end());
  Bytes forged(f.size());
  ingest::encode_frame(alice.public_key, sig, payload, forged);
  EXPECT_EQ(code_of(forged), VIGIL_TX_ERR_BAD_SIGNATURE);
  // Malformed: not a frame; unknown payload version; a reserved byte set;
  // a payload a byte short.
  EXPECT_EQ(code_of(Bytes(150, 0xee)), VIGIL_TX_ERR_MALFORMED);
  Bytes p = encode_transfer({carol, 1, 0, 0});
  p[0] = 2;
  EXPECT_EQ(code_of(make_frame(alice, p)), VIGIL_TX_ERR_MALFORMED);
  p = encode_transfer({carol, 1, 0, 0});
  p[4] = 1;
  EXPECT_EQ(code_of(make_frame(alice, p)), VIGIL_TX_ERR_MALFORMED);
  p = encode_transfer({carol, 1, 0, 0});
  p.pop_back();
  EXPECT_EQ(code_of(make_frame(alice, p)), VIGIL_TX_ERR_MALFORMED);
  EXPECT_EQ(state.leaves, before);
}

TEST_F(Execution, AFrameCommittedTwiceAppliesOnce) {
  PublicKey carol = key(12).public_key;
  Bytes f = transfer(alice, carol, 10, 0, 0);
  BlockOutput o = run({f, f});  // twice in one block
  EXPECT_EQ(o.receipts[0].code, VIGIL_TX_OK);
  EXPECT_EQ(o.receipts[1].code, VIGIL_TX_ERR_BAD_NONCE);
  EXPECT_EQ(code_of(f), VIGIL_TX_ERR_BAD_NONCE);  // and in a later block
  EXPECT_EQ(state.account(carol), (Account{10, 0}));
  EXPECT_EQ(state.account(alice.public_key), (Account{990, 1}));
}

TEST_F(Execution, SelfTransferAndProposerPayingItself) {
  // Payee, payer and proposer the same account: the balance only loses nothing.
  BlockOutput o = run({transfer(alice, alice.public_key, 500, 7, 0)});
  EXPECT_EQ(o.receipts[0].code, VIGIL_TX_OK);
  EXPECT_EQ(state.account(alice.public_key), (Account{993, 1}));
  crypto::Keypair v0 = validators[0];
  run({transfer(alice, v0.public_key, 3, 0, 1)});
  o = run({transfer(v0, key(12).public_key, 1, 2, 0)});  // v0 proposes and pays a fee to itself
  EXPECT_EQ(o.receipts[0].code, VIGIL_TX_OK);
  EXPECT_EQ(state.account(v0.public_key),
            (Account{7 + 3 - 1 - 2 + 2, 1}));  // fees of all three blocks
}

Bytes approve_set(const crypto::Keypair& v, uint64_t epoch, uint64_t nonce,
                  const std::vector<PublicKey>& keys) {
  GovernanceTx g;
  g.action = VIGIL_GOV_VALIDATOR_SET;
  g.epoch = epoch;
  g.nonce = nonce;
  g.keys = keys;
  return make_frame(v, encode_governance(g));
}

TEST_F(Execution, ValidatorSetChangeNeedsTwoFPlusOneApprovals) {
  std::vector<PublicKey> next = {key(20).public_key, key(21).public_key, key(22).public_key,
                                 key(23).public_key};
  // f = 1, quorum 3: two approvals do nothing.
  BlockOutput o =
      run({approve_set(validators[0], 1, 0, next), approve_set(validators[1], 1, 0, next)});
  EXPECT_EQ(o.receipts[0].code, VIGIL_TX_OK);
  EXPECT_EQ(o.receipts[1].code, VIGIL_TX_OK);
  EXPECT_FALSE(o.next_epoch);
  EXPECT_EQ(state.gov().epoch, 1u);
  // Refused: a repeated approval, a non-validator, the wrong epoch.
  EXPECT_EQ(code_of(approve_set(validators[0], 1, 1, next)), VIGIL_TX_ERR_DUPLICATE_VOTE);
  EXPECT_EQ(code_of(approve_set(alice, 1, 0, next)), VIGIL_TX_ERR_NOT_VALIDATOR);
  EXPECT_EQ(code_of(approve_set(validators[2], 2, 0, next)), VIGIL_TX_ERR_WRONG_EPOCH);
  EXPECT_EQ(code_of(approve_set(validators[2], 1, 9, next)), VIGIL_TX_ERR_BAD_NONCE);
  // An approval of a different set does not count toward this one.
  EXPECT_FALSE(run({approve_set(validators[2], 1, 0, {key(30).public_key})}).next_epoch);
  // The third approval of this set ends the epoch at this block.
  o = run({approve_set(validators[3], 1, 0, next)});
  EXPECT_EQ(o.receipts[0].code, VIGIL_TX_OK);
  ASSERT_TRUE(o.next_epoch);
  EXPECT_EQ(o.next_epoch->epoch, 2u);
  EXPECT_EQ(o.next_epoch->validators, next);
  EXPECT_EQ(state.gov().validators, next);
  EXPECT_TRUE(state.gov().changes.empty());
  // Old validators are no longer validators.
  EXPECT_EQ(code_of(approve_set(validators[1], 2, 1, next)), VIGIL_TX_ERR_NOT_VALIDATOR);
}

TEST_F(Execution, ProtocolVersionActivatesAtTheNextEpochBoundary) {
  auto approve_version = [&](int v, uint64_t nonce) {
    GovernanceTx g;
    g.action = VIGIL_GOV_PROTOCOL_VERSION;
    g.epoch = 1;
    g.protocol_version = 2;
    g.nonce = nonce;
    return make_frame(validators[size_t(v)], encode_governance(g));
  };
  run({approve_version(0, 0), approve_version(1, 0)});
  EXPECT_EQ(state.gov().pending_protocol, 0u);
  run({approve_version(2, 0)});
  EXPECT_EQ(state.gov().pending_protocol, 2u);
  EXPECT_EQ(state.gov().protocol_version, 1u);  // not before the boundary
  std::vector<PublicKey> same;
  for (auto& v : validators) same.push_back(v.public_key);
  BlockOutput o =
      run({approve_set(validators[0], 1, 1, same), approve_set(validators[1], 1, 1, same),
           approve_set(validators[2], 1, 1, same)});
  ASSERT_TRUE(o.next_epoch);
  EXPECT_EQ(state.gov().protocol_version, 2u);
  EXPECT_EQ(state.gov().pending_protocol, 0u);
}

TEST_F(Execution, SameBlocksSameResult) {
  MapState other = state;
  std::vector<Bytes> frames;
  for (uint64_t n = 0; n < 20; ++n)
    frames.push_back(transfer(alice, key(uint8_t(40 + n % 5)).public_key, n, 1, n));
  frames.push_back(Bytes(120, 1));
  Bytes all;
  for (auto& f : frames) all.insert(all.end(), f.begin(), f.end());
  BlockOutput a = execute(state, {all, 1, {}});
  BlockOutput b = execute(other, {all, 1, {}});
  EXPECT_EQ(a.writes, b.writes);
  ASSERT_EQ(a.receipts.size(), b.receipts.size());
  EXPECT_EQ(
      std::memcmp(a.receipts.data(), b.receipts.data(), a.receipts.size() * sizeof(vigil_receipt)),
      0);
  EXPECT_EQ(a.applied, 20u);
}

TEST(Transactions, DecodersAreExact) {
  Transfer t{{1, 2, 3}, 5, 6, 7};
  Bytes b = encode_transfer(t);
  auto back = decode_transfer(b);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->amount, 5u);
  EXPECT_EQ(back->nonce, 7u);
  EXPECT_FALSE(decode_governance(b));
  GovernanceTx g;
  g.epoch = 3;
  g.keys = {PublicKey{1}, PublicKey{1}};  // duplicate keys
  EXPECT_FALSE(decode_governance(encode_governance(g)));
  g.keys = {PublicKey{1}, PublicKey{2}};
  EXPECT_TRUE(decode_governance(encode_governance(g)));
  Bytes e = encode_governance(g);
  e.push_back(0);
  EXPECT_FALSE(decode_governance(e));
}

}  // namespace
}  // namespace vigil::execution
