// The node's own parts: the mempool (bounded, dedup by signature, nonce
// order, commits leave it) and its state on the ledger (ChainState).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "host/consensus/wire.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/crypto/sig_jsonl.hpp"
#include "host/execution/transaction.hpp"
#include "host/ingest/frame.hpp"
#include "host/ledger/workload.hpp"
#include "host/mempool/mempool.hpp"
#include "host/node/chain_state.hpp"

namespace {

using namespace vigil;

struct Tx {
  std::vector<uint8_t> frame;
  mempool::Key sender;
  mempool::Sig sig;
  std::array<uint8_t, 64> payload;
};

Tx make_tx(const crypto::Keypair& from, const mempool::Key& to, uint64_t nonce, uint64_t amount = 1,
           uint64_t fee = 0) {
  Tx t;
  t.payload = mempool::encode_transfer({to, amount, fee, nonce});
  t.sender = from.public_key;
  t.frame.resize(VIGIL_TX_FRAME_MAX);
  t.frame.resize(ingest::sign_frame(from, t.payload, t.frame));
  std::memcpy(t.sig.data(), t.frame.data() + offsetof(vigil_tx_frame_ed25519, signature), 64);
  return t;
}

mempool::AddResult add(mempool::Mempool& p, const Tx& t, uint64_t committed = 0) {
  return p.add(t.frame, t.sender, t.sig, t.payload, committed);
}

TEST(Mempool, DedupNonceOrderAndBounds) {
  const auto a = crypto::generate_keypair(), b = crypto::generate_keypair();
  mempool::Mempool p({.capacity = 4, .max_per_sender = 3, .max_nonce_gap = 10});
  const Tx a1 = make_tx(a, b.public_key, 1), a0 = make_tx(a, b.public_key, 0);
  EXPECT_EQ(add(p, a1), mempool::AddResult::added);
  EXPECT_EQ(add(p, a1), mempool::AddResult::duplicate);  // a replay
  // Another frame for a nonce already held is refused, not swapped in.
  EXPECT_EQ(add(p, make_tx(a, b.public_key, 1, 2)), mempool::AddResult::nonce_taken);
  EXPECT_EQ(add(p, make_tx(a, b.public_key, 50)), mempool::AddResult::nonce_gap);
  EXPECT_EQ(add(p, make_tx(a, b.public_key, 3), 5), mempool::AddResult::stale_nonce);
  // Nonce 1 alone cannot be proposed: 0 is missing.
  uint32_t n = 0;
  EXPECT_TRUE(p.take(100, 1 << 20, &n).empty());
  EXPECT_EQ(add(p, a0), mempool::AddResult::added);
  EXPECT_EQ(add(p, make_tx(a, b.public_key, 2)), mempool::AddResult::added);
  EXPECT_EQ(add(p, make_tx(a, b.public_key, 3)), mempool::AddResult::sender_full);
  EXPECT_EQ(add(p, make_tx(b, a.public_key, 0)), mempool::AddResult::added);
  EXPECT_EQ(add(p, make_tx(b, a.public_key, 1)), mempool::AddResult::full);
  auto frames = p.take(100, 1 << 20, &n);
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(frames.size(), 4 * a0.frame.size());
  // Proposed frames are not proposed again at once.
  EXPECT_TRUE(p.take(100, 1 << 20, &n).empty());
  // A commit of a0 and a1 removes them; a's committed nonce is 2 now.
  const mempool::Sig sigs[] = {a0.sig, a1.sig};
  p.committed(sigs, {{a.public_key, 2}});
  EXPECT_EQ(p.size(), 2u);
  EXPECT_FALSE(p.contains(a0.sig));
  EXPECT_EQ(p.counters().committed, 2u);
  // A garbage payload never enters.
  Tx junk = make_tx(a, b.public_key, 9);
  junk.payload[0] = 7;
  EXPECT_EQ(add(p, junk), mempool::AddResult::malformed);
}

// A validator's governance approval spends its account nonce as a transfer
// does: the pool takes it (it once called every one malformed, so none ever
// reached a block), orders it among the sender's transfers and refuses a
// replay of its nonce.
TEST(Mempool, TakesGovernanceApprovalsInNonceOrder) {
  const auto v = crypto::generate_keypair(), newcomer = crypto::generate_keypair();
  mempool::Mempool p({});
  const Tx t0 = make_tx(v, newcomer.public_key, 0);
  execution::GovernanceTx g;
  g.action = VIGIL_GOV_VALIDATOR_SET;
  g.epoch = 1;
  g.nonce = 1;
  g.keys = {v.public_key, newcomer.public_key};
  const auto payload = execution::encode_governance(g);
  const auto frame = execution::make_frame(v, payload);
  mempool::Sig sig;
  std::memcpy(sig.data(), frame.data() + offsetof(vigil_tx_frame_ed25519, signature), 64);
  EXPECT_EQ(p.add(frame, v.public_key, sig, payload, 0), mempool::AddResult::added);
  EXPECT_EQ(add(p, t0), mempool::AddResult::added);
  uint32_t n = 0;
  const auto frames = p.take(100, 1 << 20, &n);
  ASSERT_EQ(n, 2u);  // the transfer (nonce 0), then the approval (nonce 1)
  EXPECT_TRUE(std::equal(t0.frame.begin(), t0.frame.end(), frames.begin()));
  EXPECT_TRUE(std::equal(frame.begin(), frame.end(), frames.begin() + ptrdiff_t(t0.frame.size())));
  // Another approval for the same nonce, and a payload of neither kind.
  g.keys = {newcomer.public_key};
  const auto other = execution::encode_governance(g);
  const auto frame2 = execution::make_frame(v, other);
  std::memcpy(sig.data(), frame2.data() + offsetof(vigil_tx_frame_ed25519, signature), 64);
  EXPECT_EQ(p.add(frame2, v.public_key, sig, other, 0), mempool::AddResult::nonce_taken);
  auto bad = other;
  bad[3] = 1;  // a reserved byte
  sig[0] ^= 1;
  EXPECT_EQ(p.add(frame2, v.public_key, sig, bad, 0), mempool::AddResult::malformed);
}

TEST(Mempool, LaterNoncesWaitForAnInFlightOne) {
  const auto a = crypto::generate_keypair();
  mempool::Mempool p({.repropose_after = 2});
  ASSERT_EQ(add(p, make_tx(a, a.public_key, 0)), mempool::AddResult::added);
  uint32_t n = 0;
  p.take(10, 1 << 20, &n);
  EXPECT_EQ(n, 1u);
  ASSERT_EQ(add(p, make_tx(a, a.public_key, 1)), mempool::AddResult::added);
  p.take(10, 1 << 20, &n);
  EXPECT_EQ(n, 0u);  // nonce 1 would fail if the block holding 0 never commits
  p.committed({}, {});
  p.committed({}, {});  // two commits without it: 0 and 1 go again together
  p.take(10, 1 << 20, &n);
  EXPECT_EQ(n, 2u);
}

// The proposal check skips frames the mempool holds: only the exact bytes
// that verified count, never another frame with the same signature.
TEST(Mempool, HoldsOnlyTheExactFrameThatVerified) {
  const auto a = crypto::generate_keypair(), b = crypto::generate_keypair();
  mempool::Mempool p({});
  const Tx t = make_tx(a, b.public_key, 0);
  EXPECT_FALSE(p.holds(t.sig, t.frame));
  ASSERT_EQ(add(p, t), mempool::AddResult::added);
  EXPECT_TRUE(p.holds(t.sig, t.frame));
  for (size_t i : {size_t(0), size_t(40), t.frame.size() - 1}) {
    std::vector<uint8_t> forged = t.frame;
    forged[i] ^= 1;  // header, key or payload byte changed, same signature
    EXPECT_FALSE(p.holds(t.sig, forged)) << "byte " << i;
  }
  std::vector<uint8_t> longer = t.frame;
  longer.push_back(0);
  EXPECT_FALSE(p.holds(t.sig, longer));
}

// A leader building on uncommitted blocks skips what they carry and goes on
// with the senders' next nonces; what an abandoned proposal carried is not
// in the chain and may go again at once.
TEST(Mempool, TakeSkipsWhatTheChainBelowCarries) {
  const auto a = crypto::generate_keypair();
  mempool::Mempool p({.repropose_after = 8});
  const Tx t0 = make_tx(a, a.public_key, 0), t1 = make_tx(a, a.public_key, 1);
  ASSERT_EQ(add(p, t0), mempool::AddResult::added);
  ASSERT_EQ(add(p, t1), mempool::AddResult::added);
  uint32_t n = 0;
  const mempool::SigSet parent_holds_t0 = {t0.sig};
  auto frames = p.take(10, 1 << 20, &n, &parent_holds_t0);
  ASSERT_EQ(n, 1u);
  EXPECT_EQ(frames, t1.frame);
  // The block holding t0 was abandoned: a child of another parent takes both.
  const mempool::SigSet none;
  frames = p.take(10, 1 << 20, &n, &none);
  EXPECT_EQ(n, 2u);
}

// The maps' comparator is the order of std::less on the arrays, byte for
// byte: a difference in any byte, first or last word, high or low bit.
TEST(Mempool, WordComparatorIsTheByteOrder) {
  std::mt19937_64 rng(7);
  mempool::SigLess fast;
  std::less<mempool::Sig> slow;
  for (int i = 0; i < 20000; ++i) {
    mempool::Sig a, b;
    for (auto& x : a) x = uint8_t(rng());
    b = a;
    if (i % 4 != 0) {  // one byte differs (else equal: neither is less)
      const size_t at = rng() % 64;
      b[at] = uint8_t(i % 3 == 0 ? a[at] ^ (1u << (rng() % 8)) : rng());
    }
    ASSERT_EQ(fast(a, b), slow(a, b)) << i;
    ASSERT_EQ(fast(b, a), slow(b, a)) << i;
  }
  mempool::Key lo{}, hi{};
  hi[31] = 1;  // only the last byte differs
  EXPECT_TRUE(mempool::KeyLess{}(lo, hi));
  EXPECT_FALSE(mempool::KeyLess{}(hi, lo));
  lo[0] = 0x7f, hi[0] = 0x80;  // the first byte decides, as an unsigned byte
  EXPECT_TRUE(mempool::KeyLess{}(lo, hi));
}

// A sender with frames in the pool has its next nonce there (so the node
// asks the ledger only for new senders); a commit moves it.
TEST(Mempool, KnowsTheNextNonceOfASenderItHolds) {
  const auto a = crypto::generate_keypair();
  mempool::Mempool p({});
  EXPECT_FALSE(p.next_nonce(a.public_key));
  ASSERT_EQ(add(p, make_tx(a, a.public_key, 5), 5), mempool::AddResult::added);
  ASSERT_EQ(add(p, make_tx(a, a.public_key, 6), 5), mempool::AddResult::added);
  EXPECT_EQ(p.next_nonce(a.public_key), 5u);
  p.committed({}, {{a.public_key, 6}});  // nonce 5 committed by another frame
  EXPECT_EQ(p.next_nonce(a.public_key), 6u);
  EXPECT_EQ(add(p, make_tx(a, a.public_key, 5, 2), *p.next_nonce(a.public_key)),
            mempool::AddResult::stale_nonce);
  p.committed({}, {{a.public_key, 7}});
  EXPECT_FALSE(p.next_nonce(a.public_key));  // nothing left of it: the ledger knows
}

// Frames behind a nonce gap (their sender's earlier nonce was dropped) leave
// after gap_expire_commits commits; reachable ones stay however old.
TEST(Mempool, FramesBehindANonceGapExpireAfterSomeCommits) {
  const auto a = crypto::generate_keypair(), b = crypto::generate_keypair();
  mempool::Mempool p({.capacity = 5, .gap_expire_commits = 16});
  for (uint64_t nonce : {1, 2, 3})
    ASSERT_EQ(add(p, make_tx(a, a.public_key, nonce)), mempool::AddResult::added);
  ASSERT_EQ(add(p, make_tx(b, b.public_key, 0)), mempool::AddResult::added);
  ASSERT_EQ(add(p, make_tx(b, b.public_key, 1)), mempool::AddResult::added);
  EXPECT_TRUE(p.full());
  for (int i = 0; i < 15; ++i) p.committed({}, {});
  EXPECT_EQ(p.size(), 5u);  // not yet
  p.committed({}, {});
  EXPECT_EQ(p.size(), 2u);  // a's three went; b's two are reachable from its nonce
  EXPECT_EQ(p.counters().gap_expired, 3u);
  EXPECT_FALSE(p.next_nonce(a.public_key));
  EXPECT_EQ(add(p, make_tx(a, a.public_key, 0)), mempool::AddResult::added);  // room again
  uint32_t n = 0;
  p.take(10, 1 << 20, &n);
  EXPECT_EQ(n, 3u);  // a's 0 and b's 0, 1
}

// A full pool makes room for a frame a block could carry next by dropping
// the frames behind nonce gaps, whatever their age; never for a gapped one,
// and never by dropping frames a block can carry.
TEST(Mempool, AFullPoolDropsGappedFramesForOneThatFollows) {
  const auto a = crypto::generate_keypair(), b = crypto::generate_keypair(),
             c = crypto::generate_keypair();
  mempool::Mempool p({.capacity = 4});
  for (uint64_t nonce : {2, 3})
    ASSERT_EQ(add(p, make_tx(a, a.public_key, nonce)), mempool::AddResult::added);
  for (uint64_t nonce : {0, 1})
    ASSERT_EQ(add(p, make_tx(b, b.public_key, nonce)), mempool::AddResult::added);
  EXPECT_EQ(add(p, make_tx(a, a.public_key, 5)), mempool::AddResult::full);   // gapped itself
  EXPECT_EQ(add(p, make_tx(b, b.public_key, 2)), mempool::AddResult::added);  // follows b's 1
  EXPECT_EQ(p.size(), 3u);
  EXPECT_EQ(p.counters().gap_expired, 2u);
  EXPECT_FALSE(p.next_nonce(a.public_key));
  EXPECT_EQ(add(p, make_tx(c, c.public_key, 0)), mempool::AddResult::added);
  // Full of frames a block can carry: nothing gives way.
  EXPECT_EQ(add(p, make_tx(a, a.public_key, 0)), mempool::AddResult::full);
  EXPECT_EQ(p.size(), 4u);
  uint32_t n = 0;
  p.take(10, 1 << 20, &n);
  EXPECT_EQ(n, 4u);
}

// The verify tile's screen refuses, before a signature check, exactly what
// add() would refuse on the nonce of a sender the pool holds, and nothing
// of a sender it does not know (its committed nonce is the ledger's).
TEST(Mempool, ScreenRefusesWhatAddWouldRefuseOnTheNonce) {
  const auto a = crypto::generate_keypair(), b = crypto::generate_keypair();
  mempool::Mempool p({.max_per_sender = 3, .max_nonce_gap = 8});
  ASSERT_EQ(add(p, make_tx(a, a.public_key, 5), 5), mempool::AddResult::added);
  ASSERT_EQ(add(p, make_tx(a, a.public_key, 6), 5), mempool::AddResult::added);
  const auto before = p.counters().add;
  using R = mempool::AddResult;
  EXPECT_EQ(p.screen(a.public_key, 4), R::stale_nonce);
  EXPECT_EQ(p.screen(a.public_key, 6), R::nonce_taken);
  EXPECT_EQ(p.screen(a.public_key, 14), R::nonce_gap);
  EXPECT_EQ(p.screen(a.public_key, 13), R::added);
  EXPECT_EQ(p.screen(b.public_key, 1000000), R::added);  // unknown here: add() decides
  EXPECT_EQ(p.counters().add, before);                   // nothing counted
  for (uint64_t nonce : {4, 6, 14}) {
    const R screened = p.screen(a.public_key, nonce);
    EXPECT_EQ(add(p, make_tx(a, a.public_key, nonce, 2), 5), screened) << nonce;
  }
  ASSERT_EQ(add(p, make_tx(a, a.public_key, 7), 5), R::added);
  EXPECT_EQ(p.screen(a.public_key, 8), R::sender_full);
  EXPECT_EQ(add(p, make_tx(a, a.public_key, 8), 5), R::sender_full);
  // A commit moves the sender's next nonce, and the screen with it.
  p.committed({}, {{a.public_key, 7}});
  EXPECT_EQ(p.screen(a.public_key, 6), R::stale_nonce);
  EXPECT_EQ(p.screen(a.public_key, 8), R::added);
  // A sender whose frames all left is still judged on the nonce its last
  // commit gave, a sender no commit carried is not.
  p.committed({}, {{a.public_key, 100}, {b.public_key, 3}});
  EXPECT_FALSE(p.next_nonce(a.public_key));
  EXPECT_EQ(p.screen(a.public_key, 99), R::stale_nonce);
  EXPECT_EQ(p.screen(a.public_key, 109), R::nonce_gap);
  EXPECT_EQ(p.screen(a.public_key, 100), R::added);
  EXPECT_EQ(p.screen(b.public_key, 2), R::stale_nonce);
  EXPECT_EQ(p.screen(crypto::generate_keypair().public_key, 0), R::added);
}

// vigild's state is the ledger: a store of another genesis is refused, an
// account is served with a proof a light client checks, and the core's
// hooks refuse a block whose state root is not the state after its parent.
TEST(ChainState, LedgerGenesisProofsAndStateRootCheck) {
  char tmpl[] = "/tmp/vigil-chainstate-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const auto v = crypto::generate_keypair(), a = crypto::generate_keypair();
  config::GenesisFile g;
  g.validators.push_back({v.public_key, "127.0.0.1:1"});
  g.accounts.push_back({a.public_key, 100});
  std::string err;
  {
    auto st = node::ChainState::open(dir, g, ledger::LedgerOptions{}, &err);
    ASSERT_TRUE(st) << err;
    EXPECT_EQ(st->height(), 0u);
    EXPECT_EQ(st->account(a.public_key)->balance, 100u);
    const auto j = nlohmann::json::parse(*st->account_json(a.public_key, true, &err));
    std::vector<uint8_t> proof_bytes, root_bytes;
    ASSERT_TRUE(crypto::from_hex(j["proof"].get<std::string>(), proof_bytes));
    ASSERT_TRUE(crypto::from_hex(j["state_root"].get<std::string>(), root_bytes));
    const auto proof = state::decode_proof(proof_bytes);
    ASSERT_TRUE(proof);
    state::Hash root;
    std::copy(root_bytes.begin(), root_bytes.end(), root.begin());
    EXPECT_TRUE(
        execution::verify_account_proof(root, a.public_key, execution::Account{100, 0}, *proof));
    EXPECT_FALSE(
        execution::verify_account_proof(root, a.public_key, execution::Account{101, 0}, *proof));
    // A child of the genesis block: right state root, then a wrong one.
    const auto parent = st->tip();
    const auto good_root = st->state_after(parent);
    ASSERT_TRUE(good_root);
    vigil_block_hdr h{};
    h.epoch = 1;
    h.round = 1;
    h.height = 1;
    std::memcpy(h.parent_id, parent.data(), 32);
    std::memcpy(h.state_root, good_root->data(), 32);
    const auto good = consensus::make_block(h, {});
    EXPECT_EQ(st->check(good), consensus::BlockCheck::ok);
    h.state_root[0] ^= 1;
    h.round = 2;
    EXPECT_EQ(st->check(consensus::make_block(h, {})), consensus::BlockCheck::bad);
    // A child of a block this node has never seen cannot be told yet.
    h.height = 2;
    h.parent_id[0] ^= 1;
    EXPECT_EQ(st->check(consensus::make_block(h, {})), consensus::BlockCheck::unknown);
  }
  g.accounts[0].balance = 101;
  EXPECT_FALSE(node::ChainState::open(dir, g, ledger::LedgerOptions{}, &err));
  EXPECT_NE(err.find("another genesis"), std::string::npos) << err;
  std::filesystem::remove_all(dir);
}

// A node catching up commits a long chain at once: the core asks for the
// next validators of a governance block far above the ledger's tip, past
// what speculation reaches; the block's ancestors are written first (and
// reported by the next drain), then the block is executed on its parent.
TEST(ChainState, GovernanceFarAboveTheTipCommitsItsAncestorsFirst) {
  char tmpl[] = "/tmp/vigil-chainstate-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const auto v = crypto::generate_keypair(), w = crypto::generate_keypair();
  config::GenesisFile g;
  g.validators.push_back({v.public_key, "127.0.0.1:1"});
  g.accounts.push_back({v.public_key, 100});
  std::string err;
  auto st = node::ChainState::open(dir, g, ledger::LedgerOptions{}, &err);
  ASSERT_TRUE(st) << err;
  const auto root = st->state_after(st->tip());
  ASSERT_TRUE(root);
  const std::vector<crypto::Keypair> quorum{v};
  constexpr uint64_t kBehind = 100;  // above LedgerOptions::max_speculative
  std::vector<consensus::Block> chain;
  consensus::BlockId parent = st->tip();
  for (uint64_t h = 1; h <= kBehind + 1; ++h) {
    ledger::Bytes frames;
    if (h == kBehind + 1) {
      execution::GovernanceTx tx;
      tx.epoch = 1;
      tx.keys = {v.public_key, w.public_key};
      std::sort(tx.keys.begin(), tx.keys.end());
      frames = execution::make_frame(v, execution::encode_governance(tx));
    }
    chain.push_back(ledger::make_block(parent, h, 1, 0, *root, std::move(frames)));
    st->put_block(chain.back());
    st->put_qc(ledger::sign_qc(chain.back(), quorum, 1));
    parent = chain.back().id;
  }
  EXPECT_FALSE(st->next_validators(chain.front()));  // not governance: nothing executed
  EXPECT_EQ(st->height(), 0u);
  const auto next = st->next_validators(chain.back());
  ASSERT_TRUE(next);
  EXPECT_EQ(next->size(), 2u);
  EXPECT_EQ(st->height(), kBehind);
  // The core's CommitAction follows: every block is reported once, in order.
  const auto applied = st->commit(chain, &err);
  ASSERT_TRUE(err.empty()) << err;
  ASSERT_EQ(applied.size(), kBehind + 1);
  for (size_t i = 0; i < applied.size(); ++i) EXPECT_EQ(applied[i].block.hdr.height, i + 1);
  EXPECT_EQ(applied.back().ok, 1u);
  EXPECT_EQ(st->height(), kBehind + 1);
  std::filesystem::remove_all(dir);
}

}  // namespace
