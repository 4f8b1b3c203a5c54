// The node's own parts: the mempool (bounded, dedup by signature, nonce
// order, commits leave it), the interim execution (a receipt per frame,
// replays refused by nonce), and the safety file (a corrupt one is refused).
#include <gtest/gtest.h>

#include <cstring>

#include "host/crypto/ed25519.hpp"
#include "host/ingest/frame.hpp"
#include "host/mempool/mempool.hpp"
#include "host/node/chain_state.hpp"
#include "host/node/node_storage.hpp"

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

TEST(Mempool, AnotherLeadersProposalIsInFlightHereToo) {
  const auto a = crypto::generate_keypair();
  mempool::Mempool p({.repropose_after = 2});
  const Tx t0 = make_tx(a, a.public_key, 0);
  ASSERT_EQ(add(p, t0), mempool::AddResult::added);
  p.mark_proposed(t0.sig);
  uint32_t n = 0;
  p.take(10, 1 << 20, &n);
  EXPECT_EQ(n, 0u);
  p.committed({}, {});
  p.committed({}, {});  // that block never committed: it goes again
  p.take(10, 1 << 20, &n);
  EXPECT_EQ(n, 1u);
}

TEST(ChainState, ReceiptsForEveryOutcomeAndReplayRefused) {
  const auto a = crypto::generate_keypair(), b = crypto::generate_keypair();
  config::GenesisFile g;
  g.accounts.push_back({a.public_key, 100});
  node::ChainState st(g, 16);
  const Tx ok = make_tx(a, b.public_key, 0, 60, 1);
  const Tx poor = make_tx(a, b.public_key, 1, 60, 0);     // 39 left
  const Tx wrong_nonce = make_tx(a, b.public_key, 7, 1);  // nonce 1 expected
  const Tx overflow = make_tx(a, b.public_key, 1, UINT64_MAX, 1);
  consensus::Block blk;
  blk.hdr.height = 1;
  for (const Tx* t : {&ok, &poor, &wrong_nonce, &overflow, &ok})
    blk.txs.insert(blk.txs.end(), t->frame.begin(), t->frame.end());
  const auto applied = st.apply(blk);
  EXPECT_EQ(applied.ok, 1u);
  EXPECT_EQ(applied.rejected, 4u);
  EXPECT_EQ(st.account(a.public_key)->balance, 39u);
  EXPECT_EQ(st.account(b.public_key)->balance, 60u);
  EXPECT_EQ(st.nonce(a.public_key), 1u);
  EXPECT_EQ(st.receipt(ok.sig)->code, node::TxCode::ok);  // the replay did not overwrite it
  EXPECT_EQ(st.receipt(poor.sig)->code, node::TxCode::insufficient_balance);
  EXPECT_EQ(st.receipt(wrong_nonce.sig)->code, node::TxCode::bad_nonce);
  EXPECT_EQ(st.receipt(overflow.sig)->code, node::TxCode::overflow);
  EXPECT_EQ(applied.next_nonces.at(a.public_key), 1u);
  EXPECT_EQ(st.block(1)->hdr.height, 1u);
  EXPECT_EQ(st.block(2), nullptr);
}

TEST(SplitFrames, RefusesBytesThatDoNotSplit) {
  const auto a = crypto::generate_keypair();
  const Tx t = make_tx(a, a.public_key, 0);
  std::vector<uint8_t> two = t.frame;
  two.insert(two.end(), t.frame.begin(), t.frame.end());
  std::vector<std::span<const uint8_t>> out;
  EXPECT_TRUE(node::split_frames(two, &out));
  EXPECT_EQ(out.size(), 2u);
  two.pop_back();
  EXPECT_FALSE(node::split_frames(two, &out));
}

TEST(SafetyFile, RoundTripsAndRefusesCorruption) {
  consensus::SafetyState s;
  s.epoch = 1;
  s.last_voted_round = 77;
  s.preferred_round = 75;
  s.last_vote = vigil_vote_data{};
  s.last_vote->round = 77;
  auto bytes = node::encode_safety(s);
  consensus::SafetyState back;
  ASSERT_TRUE(node::decode_safety(bytes, &back));
  EXPECT_EQ(back.last_voted_round, 77u);
  ASSERT_TRUE(back.last_vote);
  EXPECT_EQ(back.last_vote->round, 77u);
  for (size_t i = 0; i < bytes.size(); i += 7) {
    auto bad = bytes;
    bad[i] ^= 1;
    EXPECT_FALSE(node::decode_safety(bad, &back)) << "byte " << i;
  }
}

}  // namespace
