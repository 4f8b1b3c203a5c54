// The consensus core on the ledger: four validators, each a real Core on
// its own RocksDB store, over an in-process network with Ed25519 keys. The
// proposer puts the state after its (uncommitted) parent in state_root, by
// speculative execution; voters check it the same way. A proposal with a
// wrong state root gets no votes; governance approved by 2f+1 validators
// reconfigures the core at the block that completes it, fewer do not; every
// store passes the audit.
#include <gtest/gtest.h>

#include <cstring>
#include <deque>

#include "host/consensus/core.hpp"
#include "host/consensus/wire.hpp"
#include "host/ledger/audit.hpp"
#include "tests/ledger/ledger_util.hpp"

namespace vigil::ledger {
namespace {

using consensus::Actions;
using consensus::BlockCheck;
using consensus::Core;

class KeySigner final : public consensus::Signer {
 public:
  explicit KeySigner(const crypto::Keypair& k) : k_(k) {}
  consensus::PublicKey public_key() const override { return k_.public_key; }
  consensus::Signature sign(consensus::ByteView m) override { return crypto::sign(k_, m); }

 private:
  crypto::Keypair k_;
};

struct Validator {
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<KeySigner> signer;
  std::unique_ptr<Core> core;
  std::deque<Block> waiting;  // committed by the core, QC not here yet
  uint64_t timer_token = 0, timer_at = 0;
  bool wrong_root = false;  // proposes blocks whose state root is off by one bit
  bool down = false;        // cut off: what it sends and what is sent to it is lost
};

class Cluster {
 public:
  explicit Cluster(uint32_t n) : w_(test::small_config()) {
    for (uint32_t i = 0; i < n; ++i) {
      auto v = std::make_unique<Validator>();
      std::string err;
      v->ledger = Ledger::open(dir_.sub("v" + std::to_string(i)), {}, &err);
      EXPECT_TRUE(v->ledger) << err;
      EXPECT_EQ(v->ledger->init_genesis(w_.genesis()), "");
      v->signer = std::make_unique<KeySigner>(w_.validators()[i]);
      nodes_.push_back(std::move(v));
    }
    consensus::Genesis g;
    g.validators.keys = w_.genesis().validators;
    for (uint32_t i = 0; i < n; ++i) {
      Validator& v = *nodes_[i];
      consensus::CoreConfig cc;
      cc.base_timeout = 100;
      cc.payload = [this, &v](const vigil_block_hdr& h) { return payload(v, h); };
      cc.check_block = [&v](const Block& b) {
        Speculation s = v.ledger->speculate(b);
        return s.ok() ? BlockCheck::ok : s.refused ? BlockCheck::bad : BlockCheck::unknown;
      };
      cc.next_validators =
          [&v](const Block& b) -> std::optional<std::vector<consensus::PublicKey>> {
        Speculation s = v.ledger->speculate(b);
        if (!s.ok() || !s.next_epoch) return std::nullopt;
        return s.next_epoch->validators;
      };
      v.core = std::make_unique<Core>(cc, g, *v.ledger, *v.signer);
    }
    for (uint32_t i = 0; i < n; ++i) {
      Actions a;
      nodes_[i]->core->start(a);
      run(i, a);
    }
  }

  Validator& node(uint32_t i) { return *nodes_[i]; }
  const Workload& workload() const { return w_; }
  std::string dir(uint32_t i) const { return dir_.sub("v" + std::to_string(i)); }
  // Frames the next honest proposer includes (then forgets).
  void submit(Bytes frame) { queued_.insert(queued_.end(), frame.begin(), frame.end()); }

  // Delivers messages and fires timers until every node committed `height`
  // or `max_events` events ran; false when they did not get there.
  bool run_until(uint64_t height, int max_events = 20000) {
    for (int e = 0; e < max_events; ++e) {
      bool done = true;
      for (auto& v : nodes_) done &= v->down || v->ledger->height() >= height;
      if (done) return true;
      step();
    }
    return false;
  }

 private:
  struct Msg {
    uint32_t to, from;
    consensus::SharedBytes bytes;
  };

  consensus::Payload payload(Validator& v, const vigil_block_hdr& h) {
    consensus::Payload p;
    Speculation s = v.ledger->after(consensus::to_id(h.parent_id));
    if (!s.ok()) return p.skip = true, p;
    p.state_root = s.state_root;
    if (v.wrong_root) {
      p.state_root[0] ^= 1;
      return p;
    }
    p.frames = std::move(queued_);
    queued_.clear();
    p.count = uint32_t(consensus::split_frames(p.frames).size());
    return p;
  }

  void step() {
    if (!net_.empty()) {
      Msg m = std::move(net_.front());
      net_.pop_front();
      if (nodes_[m.to]->down || nodes_[m.from]->down) return;
      Actions a;
      nodes_[m.to]->core->on_message(m.from, *m.bytes, a);
      return run(m.to, a);
    }
    uint32_t next = 0;
    for (uint32_t i = 1; i < nodes_.size(); ++i)
      if (nodes_[i]->timer_at < nodes_[next]->timer_at) next = i;
    Validator& v = *nodes_[next];
    now_ = std::max(now_, v.timer_at);
    v.timer_at = UINT64_MAX;
    Actions a;
    v.core->on_timer(v.timer_token, a);
    run(next, a);
  }

  // Carries out a node's actions the way vigild does.
  void run(uint32_t i, Actions& actions) {
    Validator& v = *nodes_[i];
    while (!actions.empty()) {
      Actions next;
      for (auto& a : actions) {
        if (auto* s = std::get_if<consensus::SendAction>(&a)) {
          net_.push_back({s->to, i, s->bytes});
        } else if (auto* b = std::get_if<consensus::BroadcastAction>(&a)) {
          for (uint32_t to = 0; to < nodes_.size(); ++to)
            if (to != i) net_.push_back({to, i, b->bytes});
        } else if (auto* t = std::get_if<consensus::SetTimerAction>(&a)) {
          v.timer_token = t->token;
          v.timer_at = now_ + t->delay;
        } else if (auto* ver = std::get_if<consensus::VerifyAction>(&a)) {
          std::vector<uint8_t> ok;
          for (const auto& it : ver->items)
            ok.push_back(crypto::verify({it.public_key.data(), it.signature.data(), *it.message},
                                        crypto::Rules::zip215) == VIGIL_OK);
          v.core->on_verified(ver->request, ok, next);
        } else if (auto* p = std::get_if<consensus::PersistAction>(&a)) {
          v.ledger->save_safety(p->state);
          v.core->on_persisted(p->request, next);
        } else if (auto* c = std::get_if<consensus::CommitAction>(&a)) {
          v.waiting.insert(v.waiting.end(), c->blocks.begin(), c->blocks.end());
        }
      }
      actions.swap(next);
    }
    while (!v.waiting.empty() && v.ledger->qc_for(v.waiting.front().id)) {
      CommitResult r = v.ledger->commit(v.waiting.front(), *v.ledger->qc_for(v.waiting.front().id));
      ASSERT_TRUE(r.ok()) << "node " << i << ": " << r.error;
      v.waiting.pop_front();
    }
  }

  test::TempDir dir_;
  Workload w_;
  std::vector<std::unique_ptr<Validator>> nodes_;
  std::deque<Msg> net_;
  uint64_t now_ = 0;
  Bytes queued_;
};

void expect_same_chain(Cluster& c, uint32_t n, uint64_t height) {
  for (uint64_t h = 1; h <= height; ++h) {
    auto first = c.node(0).ledger->block_at(h);
    ASSERT_TRUE(first);
    for (uint32_t i = 1; i < n; ++i)
      EXPECT_EQ(c.node(i).ledger->block_at(h)->block.id, first->block.id) << "height " << h;
  }
}

TEST(LedgerConsensus, WrongStateRootGetsNoVotesRightOneCommits) {
  Cluster c(4);
  // Validator 2 leads rounds 2, 6, 10, ...: its blocks carry a wrong root.
  c.node(2).wrong_root = true;
  c.submit(execution::make_frame(c.workload().senders()[0],
                                 execution::encode_transfer({c.workload().recipient(1), 5, 1, 0})));
  ASSERT_TRUE(c.run_until(8));
  for (uint32_t i = 0; i < 4; ++i) {
    // No block of validator 2 was certified, so none was committed.
    for (uint64_t h = 1; h <= c.node(i).ledger->height(); ++h) {
      auto b = c.node(i).ledger->block_at(h);
      ASSERT_TRUE(b);
      EXPECT_NE(b->block.hdr.proposer, 2u) << "height " << h;
      // Each committed header carries the state after its parent.
      EXPECT_EQ(
          std::memcmp(b->block.hdr.state_root, c.node(i).ledger->state_root(h - 1)->data(), 32), 0);
    }
    // The three others refused its proposals as bad (it refused its own).
    if (i != 2) {
      EXPECT_GE(c.node(i).core->counters().bad_proposal, 1u) << "node " << i;
    }
  }
  EXPECT_EQ(c.node(1).ledger->account(c.workload().recipient(1))->balance, 5u);
  expect_same_chain(c, 4, 8);
}

TEST(LedgerConsensus, EveryStorePassesTheAudit) {
  std::vector<std::string> dirs;
  {
    Cluster c(4);
    for (uint32_t k = 0; k < 3; ++k)
      c.submit(
          execution::make_frame(c.workload().senders()[k],
                                execution::encode_transfer({c.workload().recipient(k), 7, 0, 0})));
    ASSERT_TRUE(c.run_until(6));
    expect_same_chain(c, 4, 6);
    for (uint32_t i = 0; i < 4; ++i) {
      c.node(i).ledger.reset();
      AuditReport r = audit_store(c.dir(i));
      EXPECT_TRUE(r.ok) << "node " << i << ": height " << r.first_bad_height << ": " << r.what;
      EXPECT_GE(r.height, 6u);
    }
  }
}

// A validator cut off while the others commit catches up by block sync; the
// blocks that arrive that way bring their QCs, so its ledger commits every
// one of them and its store passes the audit.
TEST(LedgerConsensus, ACutOffValidatorCatchesUpBySyncWithEveryQc) {
  Cluster c(4);
  c.node(3).down = true;
  for (uint32_t k = 0; k < 4; ++k)
    c.submit(
        execution::make_frame(c.workload().senders()[k],
                              execution::encode_transfer({c.workload().recipient(k), 3, 0, 0})));
  ASSERT_TRUE(c.run_until(12));
  EXPECT_EQ(c.node(3).ledger->height(), 0u);
  c.node(3).down = false;
  ASSERT_TRUE(c.run_until(16));
  EXPECT_GE(c.node(3).core->counters().sync_requests, 1u);
  expect_same_chain(c, 4, 16);
  for (uint32_t i = 0; i < 4; ++i) c.node(i).ledger.reset();
  AuditReport r = audit_store(c.dir(3));
  EXPECT_TRUE(r.ok) << "height " << r.first_bad_height << ": " << r.what;
  EXPECT_GE(r.height, 16u);
}

// Validator-set change: validators 0..2 keep their keys, validator 3's is
// replaced by a new one (validator 3 stops counting; three of four is still
// a quorum). With 2 approvals (< 2f+1 = 3) nothing changes; the third
// approval ends epoch 1 at the block that carries it, and the core goes on
// in epoch 2 with the new set.
TEST(LedgerConsensus, GovernanceWithQuorumReconfiguresTheCoreFewerDoesNot) {
  Cluster c(4);
  const auto& vals = c.workload().validators();
  std::vector<consensus::PublicKey> next = {vals[0].public_key, vals[1].public_key,
                                            vals[2].public_key,
                                            crypto::keypair_from_seed(crypto::Seed{9}).public_key};
  auto approve = [&](uint32_t i) {
    execution::GovernanceTx g;
    g.action = VIGIL_GOV_VALIDATOR_SET;
    g.epoch = 1;
    g.nonce = 0;
    g.keys = next;
    c.submit(execution::make_frame(vals[i], execution::encode_governance(g)));
  };
  approve(0);
  approve(1);
  ASSERT_TRUE(c.run_until(6));
  for (uint32_t i = 0; i < 4; ++i) {
    EXPECT_EQ(c.node(i).core->epoch(), 1u) << "node " << i;
    EXPECT_EQ(c.node(i).ledger->governance().epoch, 1u);
    EXPECT_EQ(c.node(i).ledger->governance().changes.begin()->second.approvers.size(), 2u);
  }
  const uint64_t before = c.node(0).ledger->height();
  approve(2);
  ASSERT_TRUE(c.run_until(before + 8));
  for (uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(c.node(i).core->epoch(), 2u) << "node " << i;
    EXPECT_EQ(c.node(i).ledger->governance().epoch, 2u);
    EXPECT_EQ(c.node(i).ledger->governance().validators, next);
    ASSERT_TRUE(c.node(i).ledger->epoch());
    EXPECT_EQ(c.node(i).ledger->epoch()->validators.keys, next);
  }
  // Blocks of epoch 2 were committed (certified by the new set).
  auto tip = c.node(0).ledger->block_at(c.node(0).ledger->height());
  EXPECT_EQ(tip->block.hdr.epoch, 2u);
  expect_same_chain(c, 3, before + 8);
  for (uint32_t i = 0; i < 4; ++i) c.node(i).ledger.reset();
  for (uint32_t i = 0; i < 3; ++i) {
    AuditReport r = audit_store(c.dir(i));
    EXPECT_TRUE(r.ok) << "node " << i << ": height " << r.first_bad_height << ": " << r.what;
  }
}

}  // namespace
}  // namespace vigil::ledger
