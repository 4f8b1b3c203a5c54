// The findings of the consensus review (issue 10), each replayed against the
// core driven by hand with MockSigner keys: a forged QC or TC that reuses a
// verified certificate's round, epoch-end sync past 64 blocks, sync
// responses over the message limit, unbounded evidence, unbounded sync
// serving, short verdict vectors and a validator that joins in a later
// epoch. Where a fix has a test switch (CoreConfig::revert_fixes_for_test)
// the scenario also runs with the fix reverted and must then show the bug,
// so that each test is known to be able to fail.
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

#include "host/consensus/core.hpp"
#include "host/consensus/sim/mock_signer.hpp"

namespace vigil::consensus {
namespace {

constexpr uint32_t kN = 4;

// The genesis set of kN validators and their signers, plus `extra` keys
// outside it (a later joiner, an outsider).
struct Keys {
  Genesis genesis;
  std::vector<PublicKey> keys;
  std::vector<std::unique_ptr<sim::MockSigner>> signers;
  explicit Keys(uint32_t extra = 1) {
    genesis.validators.epoch = 1;
    for (uint32_t i = 0; i < kN + extra; ++i) {
      keys.push_back(sim::mock_key(7, i));
      if (i < kN) genesis.validators.keys.push_back(keys.back());
      signers.push_back(std::make_unique<sim::MockSigner>(keys.back()));
    }
  }
  const PublicKey& key(uint32_t i) const { return keys[i]; }
  BlockId genesis_id() const { return genesis_epoch(genesis).root_id; }
};

// A QC for `b` signed by `signers` (validator indices of `keys`).
QuorumCert make_qc(const Keys& keys, const Block& b, Round parent_round,
                   std::vector<ValidatorIndex> signers = {0, 1, 2}) {
  QuorumCert qc;
  std::memcpy(qc.vote.block_id, b.id.data(), VIGIL_HASH_LEN);
  qc.vote.epoch = b.hdr.epoch;
  qc.vote.round = b.hdr.round;
  qc.vote.height = b.hdr.height;
  std::memcpy(qc.vote.parent_id, b.hdr.parent_id, VIGIL_HASH_LEN);
  qc.vote.parent_round = parent_round;
  Bytes msg = vote_signing_bytes(qc.vote);
  for (ValidatorIndex i : signers) {
    qc.signers.add(i);
    qc.sigs.push_back(sim::mock_sign(keys.genesis.validators.keys[i], msg));
  }
  return qc;
}

Bytes sealed(Message m, Signer& s) {
  return *seal(m, s);
}

CoreConfig reverting(uint32_t fixes) {
  CoreConfig c;
  c.revert_fixes_for_test = fixes;
  return c;
}

// Epoch 1 as a chain of consecutive rounds (round = height), each block
// certified by validators 0-2; the block at `reconfig_at` (0: none) ends the
// epoch naming `next`. blocks[0] is genesis, qcs[h] certifies blocks[h].
struct Chain {
  std::vector<Block> blocks;
  std::vector<QuorumCert> qcs;
};

Chain build_chain(const Keys& keys, uint64_t length, size_t payload, uint64_t reconfig_at,
                  const std::vector<PublicKey>& next) {
  Chain c;
  EpochRecord e = genesis_epoch(keys.genesis);
  Block g;
  g.hdr = genesis_block_hdr();
  g.id = e.root_id;
  c.blocks.push_back(g);
  c.qcs.push_back(epoch_root_qc(e));
  for (uint64_t h = 1; h <= length; ++h) {
    Bytes txs = h == reconfig_at ? encode_reconfiguration(next) : Bytes(payload, uint8_t(h));
    c.blocks.push_back(make_block(1, h, h, c.blocks.back().id, h % kN, std::move(txs)));
    c.qcs.push_back(make_qc(keys, c.blocks.back(), h - 1));
  }
  return c;
}

// Fills a storage with the chain's blocks and QCs up to `upto`; with an
// epoch end, as a node that went on to epoch 2 with `next`.
void load_chain(MemoryStorage& s, const Chain& c, uint64_t upto, uint64_t epoch_end,
                const std::vector<PublicKey>& next) {
  for (uint64_t h = 0; h <= upto; ++h) {
    s.put_block(c.blocks[h]);
    if (h > 0) s.put_qc(c.qcs[h]);
  }
  if (!epoch_end) return;
  EpochRecord e2;
  e2.validators.epoch = 2;
  e2.validators.keys = next;
  e2.root_id = c.blocks[epoch_end].id;
  e2.root_height = epoch_end;
  s.put_epoch(e2);
  s.put_epoch_end_qc(1, c.qcs[epoch_end + 1]);
  s.put_committed({c.blocks[epoch_end].id, epoch_end});
}

// A core whose driver answers every verify request (mock signatures) and
// persist at once, and keeps what it sends and commits.
struct Peer {
  MemoryStorage storage;
  std::unique_ptr<Core> core;
  struct Out {
    std::optional<ValidatorIndex> to;  // empty: broadcast
    SharedBytes bytes;
  };
  std::vector<Out> outbox;
  std::vector<Block> commits;
  uint64_t timer = 0;

  Peer(const Genesis& g, Signer& s, CoreConfig cfg = {},
       const std::function<void(MemoryStorage&)>& load = {}) {
    if (load) load(storage);
    core = std::make_unique<Core>(std::move(cfg), g, storage, s);
    Actions a;
    core->start(a);
    run(std::move(a));
  }
  void run(Actions acts) {
    std::deque<Action> work(std::make_move_iterator(acts.begin()),
                            std::make_move_iterator(acts.end()));
    while (!work.empty()) {
      Action a = std::move(work.front());
      work.pop_front();
      Actions more;
      if (auto* s = std::get_if<SendAction>(&a)) outbox.push_back({s->to, s->bytes});
      if (auto* b = std::get_if<BroadcastAction>(&a)) outbox.push_back({std::nullopt, b->bytes});
      if (auto* t = std::get_if<SetTimerAction>(&a)) timer = t->token;
      if (auto* c = std::get_if<CommitAction>(&a))
        commits.insert(commits.end(), c->blocks.begin(), c->blocks.end());
      if (auto* v = std::get_if<VerifyAction>(&a)) {
        std::vector<uint8_t> ok;
        for (const auto& item : v->items) ok.push_back(sim::mock_verify(item));
        core->on_verified(v->request, ok, more);
      }
      if (auto* p = std::get_if<PersistAction>(&a)) {
        storage.save_safety(p->state);
        core->on_persisted(p->request, more);
      }
      for (auto& m : more) work.push_back(std::move(m));
    }
  }
  void deliver(ValidatorIndex from, const Bytes& bytes) {
    Actions a;
    core->on_message(from, bytes, a);
    run(std::move(a));
  }
  // Messages of `type` sent so far.
  size_t sent(vigil_msg_type type, Round round = 0) const {
    size_t n = 0;
    for (const auto& o : outbox) {
      Message m;
      if (decode(*o.bytes, m) == ParseError::ok && m.type == type && (!round || m.round == round))
        ++n;
    }
    return n;
  }
};

// Carries messages between a (transport index ia) and b (ib) until neither
// sends the other anything; returns how many went from b to a.
size_t pump(Peer& a, ValidatorIndex ia, Peer& b, ValidatorIndex ib) {
  size_t b_to_a = 0;
  for (int pass = 0; pass < 200; ++pass) {
    auto from_a = std::move(a.outbox), from_b = std::move(b.outbox);
    a.outbox.clear();
    b.outbox.clear();
    bool any = false;
    for (const auto& o : from_a)
      if (!o.to || *o.to == ib) any = true, b.deliver(ia, *o.bytes);
    for (const auto& o : from_b)
      if (!o.to || *o.to == ia) any = true, ++b_to_a, a.deliver(ib, *o.bytes);
    if (!any) break;
  }
  return b_to_a;
}

Bytes vote(const Keys& keys, ValidatorIndex from, Round r, uint8_t tag, Epoch e = 1) {
  Message m = make_message(VIGIL_MSG_VOTE, e, r, from);
  std::memset(m.vote.data.block_id, tag, VIGIL_HASH_LEN);
  m.vote.data.epoch = e;
  m.vote.data.round = r;
  m.vote.data.height = r;
  return sealed(m, *keys.signers[from]);
}

// The round-2 proposal A2 carrying QC1: the peer verifies QC1 and enters
// round 2.
void deliver_a2(const Keys& keys, const Chain& c, Peer& p) {
  Message a2 = make_message(VIGIL_MSG_PROPOSAL, 1, 2, 2);
  a2.proposal.block = c.blocks[2];
  a2.proposal.qc = c.qcs[1];
  p.deliver(2, sealed(a2, *keys.signers[2]));
}

// --- finding 1: a cached QC vouched for fields it never signed -------------

// Node 0 has verified QC1 for A1. A Byzantine validator sends a sync response
// whose chain is a made-up Y1 that reconfigures to the attacker's keys, and
// a "QC" with A1's id and round but naming Y1 as parent, without signatures;
// also with a future-epoch header (sender's signature skipped) from outside
// the set.
void forged_qc_attack(uint32_t revert, bool future_header, bool expect_fork) {
  Keys keys(2);
  Peer p0(keys.genesis, *keys.signers[0], reverting(revert));
  Chain c = build_chain(keys, 2, 8, 0, {});
  deliver_a2(keys, c, p0);
  ASSERT_EQ(p0.core->round(), 2u);

  std::vector<PublicKey> attacker(kN, keys.key(kN + 1));
  Block y1 = make_block(1, 1, 1, keys.genesis_id(), 3, encode_reconfiguration(attacker));
  QuorumCert forged = c.qcs[1];
  std::memcpy(forged.vote.parent_id, y1.id.data(), VIGIL_HASH_LEN);
  forged.vote.parent_round = 0;
  forged.vote.height = 2;
  for (auto& s : forged.sigs) s.fill(0);
  Message r =
      make_message(VIGIL_MSG_SYNC_RESPONSE, future_header ? 2 : 1, 2, future_header ? 9 : 3);
  r.sync_response.blocks.push_back(Proposal{y1, epoch_root_qc(genesis_epoch(keys.genesis)), {}});
  r.sync_response.qc = forged;
  p0.deliver(3, sealed(r, *keys.signers[future_header ? kN : 3]));

  bool forked = !p0.commits.empty() && p0.commits[0].id == y1.id;
  EXPECT_EQ(forked, expect_fork);
  EXPECT_EQ(p0.core->epoch(), expect_fork ? 2u : 1u);
  if (!expect_fork) EXPECT_GE(p0.core->counters().bad_signature, 1u);
}

TEST(CoreForgedQc, CachedRoundDoesNotVouchForOtherFields) {
  forged_qc_attack(0, false, false);
}
TEST(CoreForgedQc, CachedRoundDoesNotVouchForOtherFieldsUnderAFutureEpochHeader) {
  forged_qc_attack(0, true, false);
}
TEST(CoreForgedQc, WithTheFixRevertedTheAttackCommitsTheForgedBlock) {
  forged_qc_attack(revert_qc_cache, false, true);
  forged_qc_attack(revert_qc_cache, true, true);
}

// --- finding 2: a cached TC round vouched for entries it never signed ------

// Node 1 has formed TC2 (high QC 1 in every entry). The Byzantine leader of
// round 3 proposes B3 at height 1 on the genesis QC with a "TC2" whose
// entries claim high QC 0, without signatures: voting for it would let a
// block conflicting with A1 (committed by a node that saw QC2) be certified.
void forged_tc_attack(uint32_t revert, std::vector<ValidatorIndex> fake_signers, bool expect_vote) {
  Keys keys;
  Peer p1(keys.genesis, *keys.signers[1], reverting(revert));
  Chain c = build_chain(keys, 2, 8, 0, {});
  deliver_a2(keys, c, p1);
  for (ValidatorIndex v : {0u, 2u}) {
    Message t = make_message(VIGIL_MSG_TIMEOUT, 1, 2, v);
    t.timeout.data = {1, 2, 1};
    t.timeout.high_qc = c.qcs[1];
    p1.deliver(v, sealed(t, *keys.signers[v]));
  }
  ASSERT_EQ(p1.core->round(), 3u) << "TC2 formed from validators 0, 1, 2";
  ASSERT_EQ(p1.core->counters().tcs_formed, 1u);

  TimeoutCert fake;
  fake.epoch = 1;
  fake.round = 2;
  for (ValidatorIndex v : fake_signers) {
    fake.signers.add(v);
    fake.entries.push_back({0, Signature{}});
  }
  Message b3 = make_message(VIGIL_MSG_PROPOSAL, 1, 3, 3);
  b3.proposal.block = make_block(1, 3, 1, keys.genesis_id(), 3, {'B'});
  b3.proposal.qc = epoch_root_qc(genesis_epoch(keys.genesis));
  b3.proposal.tc = fake;
  p1.deliver(3, sealed(b3, *keys.signers[3]));
  EXPECT_EQ(p1.sent(VIGIL_MSG_VOTE, 3), expect_vote ? 1u : 0u);
  if (!expect_vote) EXPECT_GE(p1.core->counters().bad_signature, 1u);
}

TEST(CoreForgedTc, SameRoundSameSignersOtherEntriesIsVerified) {
  forged_tc_attack(0, {0, 1, 2}, false);
}
TEST(CoreForgedTc, SameRoundOtherSignersIsVerified) {
  forged_tc_attack(0, {1, 2, 3}, false);
}
TEST(CoreForgedTc, WithTheFixRevertedTheNodeVotesForTheForkingBlock) {
  forged_tc_attack(revert_tc_cache, {0, 1, 2}, true);
}

// --- finding 3: epoch-end sync past 64 blocks ------------------------------

// The epoch ends at height 80; node 0 is still in epoch 1 at height 0 and
// learns of epoch 2 from a message of node 1, which answers its sync.
void epoch_end_catch_up(uint32_t revert, bool expect_caught_up) {
  Keys keys;
  const auto& set = keys.genesis.validators.keys;
  Chain c = build_chain(keys, 81, 8, 80, set);
  Peer lag(keys.genesis, *keys.signers[0]);
  Peer up(keys.genesis, *keys.signers[1], reverting(revert),
          [&](MemoryStorage& s) { load_chain(s, c, 81, 80, set); });
  ASSERT_EQ(up.core->epoch(), 2u);
  up.outbox.clear();
  lag.deliver(1, vote(keys, 1, 1, 0x33, 2));
  size_t responses = pump(lag, 0, up, 1);
  EXPECT_EQ(lag.core->epoch(), expect_caught_up ? 2u : 1u);
  EXPECT_EQ(lag.core->committed().height, expect_caught_up ? 80u : 0u);
  if (expect_caught_up) {
    EXPECT_GE(responses, 2u) << "81 blocks do not fit one response";
    ASSERT_EQ(lag.commits.size(), 80u);
    EXPECT_EQ(lag.commits.back().id, c.blocks[80].id);
  }
}

TEST(CoreEpochSync, CatchesUpAcrossAnEpochEndPastTheSyncWindow) {
  epoch_end_catch_up(0, true);
}
TEST(CoreEpochSync, WithTheFixRevertedTheNodeStaysInTheOldEpoch) {
  epoch_end_catch_up(revert_epoch_sync, false);
}

// --- finding 4: sync responses over the message limit ----------------------

// 41 blocks of 64 KiB, a 1 MiB message limit: node 0 learns of QC41 from a
// timeout and must fetch 40 blocks in responses under the limit.
void big_block_catch_up(uint32_t revert, bool expect_caught_up) {
  Keys keys;
  Chain c = build_chain(keys, 41, 64 << 10, 0, {});
  CoreConfig cfg;
  cfg.max_message_bytes = 1 << 20;
  cfg.max_sync_response_bytes = 256 << 10;
  Peer lag(keys.genesis, *keys.signers[0], cfg);
  cfg.revert_fixes_for_test = revert;
  Peer up(keys.genesis, *keys.signers[1], cfg,
          [&](MemoryStorage& s) { load_chain(s, c, 41, 0, {}); });
  up.outbox.clear();
  Message t = make_message(VIGIL_MSG_TIMEOUT, 1, 42, 1);
  t.timeout.data = {1, 42, 41};
  t.timeout.high_qc = c.qcs[41];
  lag.deliver(1, sealed(t, *keys.signers[1]));
  size_t responses = pump(lag, 0, up, 1);
  EXPECT_EQ(lag.core->committed().height, expect_caught_up ? 40u : 0u);
  for (const auto& o : up.outbox) EXPECT_LE(o.bytes->size(), size_t(1) << 20);
  if (expect_caught_up) {
    EXPECT_GE(responses, 10u) << "about 3 blocks of 64 KiB per 256 KiB response";
  } else {
    EXPECT_GE(lag.core->counters().parse_drops[size_t(ParseError::oversized)], 1u);
  }
}

TEST(CoreSyncBytes, ResponsesStayUnderTheByteBoundAndTheNodeCatchesUp) {
  big_block_catch_up(0, true);
}
TEST(CoreSyncBytes, WithTheFixRevertedResponsesAreDroppedAsOversized) {
  big_block_catch_up(revert_sync_bytes, false);
}

// --- finding 5: evidence bounded per (validator, round, kind) and per validator

Bytes round1_proposal(const Keys& keys, uint32_t variant) {
  Message m = make_message(VIGIL_MSG_PROPOSAL, 1, 1, 1);
  Bytes txs(4);
  for (int i = 0; i < 4; ++i) txs[i] = uint8_t(variant >> (8 * i));
  m.proposal.block = make_block(1, 1, 1, keys.genesis_id(), 1, txs);
  m.proposal.qc = epoch_root_qc(genesis_epoch(keys.genesis));
  return sealed(m, *keys.signers[1]);
}

TEST(CoreEvidenceBounds, OneRecordPerValidatorRoundAndKind) {
  Keys keys;
  Peer p(keys.genesis, *keys.signers[2]);
  for (uint32_t k = 0; k < 50; ++k) p.deliver(1, round1_proposal(keys, k));
  EXPECT_EQ(p.core->counters().evidence, 49u);
  ASSERT_EQ(p.core->evidence().size(), 1u);
  EXPECT_EQ(p.core->evidence()[0].validator, 1u);
}

TEST(CoreEvidenceBounds, OneValidatorCannotCrowdOutTheOthers) {
  Keys keys;
  Peer p(keys.genesis, *keys.signers[2]);
  for (Round r = 1; r <= 10; ++r) {
    p.deliver(0, vote(keys, 0, r, 0x11));
    p.deliver(0, vote(keys, 0, r, 0x22));
  }
  EXPECT_EQ(p.core->evidence().size(), 4u) << "kMaxEvidencePerValidator";
  EXPECT_EQ(p.core->counters().evidence_dropped, 6u);
  p.deliver(3, vote(keys, 3, 1, 0x11));
  p.deliver(3, vote(keys, 3, 1, 0x22));
  ASSERT_EQ(p.core->evidence().size(), 5u);
  EXPECT_EQ(p.core->evidence().back().validator, 3u);
  std::vector<Evidence> parsed;
  ASSERT_TRUE(parse_evidence(p.core->export_evidence(), parsed));
  EXPECT_EQ(parsed.size(), 5u);
}

// --- finding 6: smaller ones -------------------------------------------------

TEST(CoreVerify, AShortVerdictVectorIsARefusal) {
  Keys keys;
  MemoryStorage s;
  Core core(CoreConfig{}, keys.genesis, s, *keys.signers[3]);
  Actions out;
  core.start(out);
  out.clear();
  core.on_message(1, round1_proposal(keys, 0), out);
  const VerifyAction* v = nullptr;
  for (const auto& a : out)
    if (auto* p = std::get_if<VerifyAction>(&a)) v = p;
  ASSERT_NE(v, nullptr);
  ASSERT_GE(v->items.size(), 1u);
  std::vector<uint8_t> fewer(v->items.size() - 1, 1);
  uint64_t id = v->request;
  Actions after;
  core.on_verified(id, fewer, after);
  EXPECT_EQ(core.counters().bad_signature, 1u);
  for (const auto& a : after) EXPECT_FALSE(std::holds_alternative<PersistAction>(a));
}

TEST(CoreSyncServe, RequestsAreBoundedPerPeerAndRound) {
  Keys keys;
  Chain c = build_chain(keys, 8, 8, 0, {});
  Peer up(keys.genesis, *keys.signers[1], CoreConfig{},
          [&](MemoryStorage& s) { load_chain(s, c, 8, 0, {}); });
  auto request = [&](ValidatorIndex from, Epoch e) {
    Message q = make_message(VIGIL_MSG_SYNC_REQUEST, e, 1, from);
    q.sync_request.block_id = c.blocks[5].id;
    q.sync_request.from_height = 1;
    q.sync_request.max_blocks = VIGIL_SYNC_MAX_BLOCKS;
    return sealed(q, *keys.signers[from]);
  };
  for (int k = 0; k < 20; ++k) up.deliver(2, request(2, 1));
  EXPECT_EQ(up.core->counters().sync_served, 16u);
  EXPECT_EQ(up.core->counters().sync_rate_limited, 4u);
  up.deliver(3, request(3, 1));
  EXPECT_EQ(up.core->counters().sync_served, 17u) << "another peer has its own budget";
  Actions a;
  up.core->on_timer(up.timer, a);
  up.run(std::move(a));
  up.deliver(2, request(2, 1));
  EXPECT_EQ(up.core->counters().sync_served, 18u) << "the budget comes back with the timer";
}

TEST(CoreSyncServe, FutureEpochResponsesAreBoundedPerPeer) {
  Keys keys;
  Chain c = build_chain(keys, 3, 8, 0, {});
  MemoryStorage s;
  Core core(CoreConfig{}, keys.genesis, s, *keys.signers[0]);
  Actions out;
  core.start(out);
  size_t verifies = 0;
  for (int k = 0; k < 12; ++k) {
    Message r = make_message(VIGIL_MSG_SYNC_RESPONSE, 2, 1, 9);
    r.sync_response.blocks.push_back(Proposal{c.blocks[2], c.qcs[1], {}});
    r.sync_response.qc = c.qcs[3];
    out.clear();
    core.on_message(9, sealed(r, *keys.signers[kN]), out);
    for (const auto& a : out) verifies += std::holds_alternative<VerifyAction>(a);
  }
  EXPECT_EQ(verifies, 8u);
  EXPECT_EQ(core.counters().sync_rate_limited, 4u);
}

// A validator added by the reconfiguration that ends epoch 1 starts from
// genesis, where it is no validator: it must still ask for blocks.
TEST(CoreJoiner, AValidatorOfALaterEpochCatchesUpFromGenesis) {
  Keys keys;
  std::vector<PublicKey> next = keys.genesis.validators.keys;
  next[3] = keys.key(kN);  // the joiner replaces validator 3
  Chain c = build_chain(keys, 11, 8, 10, next);
  Peer joiner(keys.genesis, *keys.signers[kN]);
  Peer up(keys.genesis, *keys.signers[1], CoreConfig{},
          [&](MemoryStorage& s) { load_chain(s, c, 11, 10, next); });
  up.outbox.clear();
  joiner.deliver(1, vote(keys, 1, 1, 0x33, 2));
  EXPECT_EQ(joiner.sent(VIGIL_MSG_SYNC_REQUEST), 1u);
  pump(joiner, 3, up, 1);
  EXPECT_EQ(joiner.core->epoch(), 2u);
  EXPECT_EQ(joiner.core->committed().height, 10u);
  // Now a validator of epoch 2 (index 3): it times out round 1 like one.
  joiner.outbox.clear();
  Actions a;
  joiner.core->on_timer(joiner.timer, a);
  joiner.run(std::move(a));
  EXPECT_EQ(joiner.sent(VIGIL_MSG_TIMEOUT, 1), 1u);
}

}  // namespace
}  // namespace vigil::consensus
