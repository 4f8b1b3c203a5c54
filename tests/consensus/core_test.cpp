// The consensus core driven by hand, one event at a time: a validator
// killed at every step of vote (and timeout) handling and restarted from
// what it persisted never signs two conflicting messages; equivocation is
// caught with both messages as proof; malformed input is a counted drop.
#include "host/consensus/core.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "host/consensus/sim/mock_signer.hpp"

namespace vigil::consensus {
namespace {

constexpr uint32_t kN = 4;

struct Net {
  Genesis genesis;
  std::vector<std::unique_ptr<sim::MockSigner>> signers;
  Net() {
    genesis.validators.epoch = 1;
    for (uint32_t i = 0; i < kN; ++i) {
      genesis.validators.keys.push_back(sim::mock_key(42, i));
      signers.push_back(std::make_unique<sim::MockSigner>(genesis.validators.keys[i]));
    }
  }
  // A proposal of the round-1 leader (validator 1) on the genesis QC.
  Bytes proposal(uint8_t variant) {
    Message m;
    m.type = VIGIL_MSG_PROPOSAL;
    m.epoch = 1;
    m.round = 1;
    m.sender = 1;
    vigil_block_hdr& h = m.proposal.block.hdr;
    h.epoch = 1;
    h.round = 1;
    h.height = 1;
    EpochRecord e = genesis_epoch(genesis);
    std::memcpy(h.parent_id, e.root_id.data(), VIGIL_HASH_LEN);
    h.proposer = 1;
    h.tx_count = 1;
    m.proposal.block.txs = {variant};
    BlockId root = compute_tx_root(m.proposal.block.txs);
    std::memcpy(h.tx_root, root.data(), VIGIL_HASH_LEN);
    m.proposal.block.id = compute_block_id(h);
    m.proposal.qc = epoch_root_qc(e);
    return *seal(m, *signers[1]);
  }
  Bytes vote(ValidatorIndex from, uint8_t tag) {
    Message m;
    m.type = VIGIL_MSG_VOTE;
    m.epoch = 1;
    m.round = 1;
    m.sender = from;
    std::memset(m.vote.data.block_id, tag, VIGIL_HASH_LEN);
    m.vote.data.epoch = 1;
    m.vote.data.round = 1;
    m.vote.data.height = 1;
    return *seal(m, *signers[from]);
  }
};

// One validator, its storage (what survives a crash) and a record of every
// vote and timeout it ever signed.
struct Node {
  Net& net;
  ValidatorIndex me;
  MemoryStorage storage;
  std::unique_ptr<Core> core;
  std::map<Round, std::vector<Bytes>> votes, timeouts;  // signed bytes by round
  Actions pending;                                      // actions not yet carried out

  Node(Net& n, ValidatorIndex i) : net(n), me(i) {
    net.signers[me]->on_sign = [this](ByteView m) {
      Bytes b(m.begin(), m.end());
      size_t dv = std::strlen(VIGIL_DOMAIN_VOTE), dt = std::strlen(VIGIL_DOMAIN_TIMEOUT);
      if (b.size() == dv + 96 && std::memcmp(b.data(), VIGIL_DOMAIN_VOTE, dv) == 0)
        votes[b[dv + 40]].push_back(b);
      if (b.size() == dt + 24 && std::memcmp(b.data(), VIGIL_DOMAIN_TIMEOUT, dt) == 0)
        timeouts[b[dt + 8]].push_back(b);
    };
    boot();
  }
  ~Node() { net.signers[me]->on_sign = nullptr; }
  void boot() {
    core = std::make_unique<Core>(CoreConfig{}, net.genesis, storage, *net.signers[me]);
    pending.clear();
    core->start(pending);
    note_timer();
  }
  void note_timer() {
    for (const auto& a : pending)
      if (auto* t = std::get_if<SetTimerAction>(&a)) timer_token = t->token;
  }
  void crash_and_restart() {
    core.reset();  // pending persists never land, held-back messages never leave
    boot();
  }
  template <class T>
  const T* find() const {
    for (const auto& a : pending)
      if (auto* p = std::get_if<T>(&a)) return p;
    return nullptr;
  }
  // Carries out one step of what is pending; false when nothing is left.
  // Steps, in order: answer a verify request; write a persist; report it.
  bool step() {
    if (auto* v = find<VerifyAction>()) {
      std::vector<uint8_t> ok;
      for (const auto& item : v->items) ok.push_back(sim::mock_verify(item));
      uint64_t id = v->request;
      pending.clear();
      core->on_verified(id, ok, pending);
      note_timer();
      return true;
    }
    if (auto* p = find<PersistAction>()) {
      if (!written.count(p->request)) {
        storage.save_safety(p->state);  // synced: survives a crash from now on
        written.insert(p->request);
        return true;
      }
      uint64_t id = p->request;
      pending.clear();
      core->on_persisted(id, pending);
      note_timer();
      return true;
    }
    return false;
  }
  void deliver(ByteView bytes, int max_steps = 1000) {
    pending.clear();
    core->on_message(1, bytes, pending);
    note_timer();
    for (int s = 0; s < max_steps && step(); ++s) {
    }
  }
  void fire_timer(int max_steps = 1000) {
    pending.clear();
    core->on_timer(timer_token, pending);
    note_timer();
    for (int s = 0; s < max_steps && step(); ++s) {
    }
  }
  size_t distinct(const std::vector<Bytes>& list) const {
    std::set<Bytes> s(list.begin(), list.end());
    return s.size();
  }
  std::set<uint64_t> written;
  uint64_t timer_token = 0;
};

// Vote handling of one proposal takes three steps after the message arrives
// (verified, persisted, reported); crash before each and after the last.
TEST(CoreCrash, RestartAtEveryStepOfVoteHandlingNeverDoubleVotes) {
  for (int crash_after = 0; crash_after <= 3; ++crash_after) {
    SCOPED_TRACE("crash after step " + std::to_string(crash_after));
    Net net;
    Node node(net, 3);  // validator 3 votes in round 1, sends to leader 2
    Bytes a = net.proposal('A'), b = net.proposal('B');
    node.deliver(a, crash_after);
    bool vote_out = node.find<SendAction>() != nullptr;
    bool persisted = node.storage.safety() && node.storage.safety()->last_voted_round == 1;
    EXPECT_EQ(vote_out, crash_after == 3);
    EXPECT_EQ(persisted, crash_after >= 2);
    node.crash_and_restart();
    // The equivocating leader's other block, then the first again.
    node.deliver(b);
    node.deliver(a);
    EXPECT_LE(node.distinct(node.votes[1]), 1u) << "two different votes for round 1";
    if (persisted) {
      // It may only ever re-sign the vote it persisted, for block A.
      for (const auto& v : node.votes[1]) EXPECT_EQ(v, node.votes[1].front());
      EXPECT_GE(node.core->counters().safety_refusals, 1u);
    }
  }
}

// Found by the simulator: a copy of the proposal arriving while the vote's
// persist is still pending must not release the vote early (it used to be
// answered as a "resend", signed before the state reached the disk).
TEST(CoreCrash, DuplicateProposalWaitsForThePendingPersist) {
  Net net;
  Node node(net, 3);
  Bytes a = net.proposal('A'), b = net.proposal('B');
  node.deliver(a, 1);  // verified, persist requested, not yet written
  ASSERT_NE(node.find<PersistAction>(), nullptr);
  Actions out, after;
  node.core->on_message(1, a, out);
  const VerifyAction* v = nullptr;
  for (const auto& x : out)
    if (auto* p = std::get_if<VerifyAction>(&x)) v = p;
  ASSERT_NE(v, nullptr);
  node.core->on_verified(v->request, std::vector<uint8_t>(v->items.size(), 1), after);
  for (const auto& x : after) EXPECT_FALSE(std::holds_alternative<SendAction>(x));
  EXPECT_TRUE(node.votes[1].empty()) << "signed before its safety state was on disk";
  node.crash_and_restart();
  node.deliver(b);
  EXPECT_EQ(node.distinct(node.votes[1]), 1u);
}

TEST(CoreCrash, RestartAtEveryStepOfTimeoutHandlingNeverSignsConflicts) {
  for (int crash_after = 0; crash_after <= 2; ++crash_after) {
    SCOPED_TRACE("crash after step " + std::to_string(crash_after));
    Net net;
    Node node(net, 3);
    node.fire_timer(crash_after);  // round 1 times out
    bool persisted = node.storage.safety() && node.storage.safety()->last_timeout_round == 1;
    EXPECT_EQ(persisted, crash_after >= 1);
    node.crash_and_restart();
    node.deliver(net.proposal('A'));  // too late once the timeout is on disk
    node.fire_timer();
    if (persisted) {
      EXPECT_TRUE(node.votes[1].empty()) << "voted in a round it timed out";
    }
    EXPECT_EQ(node.distinct(node.timeouts[1]), 1u);
  }
}

TEST(CoreEvidence, DoubleVoteIsRecordedWithBothMessages) {
  Net net;
  Node leader(net, 2);  // leader of round 2 collects round-1 votes
  Bytes v1 = net.vote(0, 0x11), v2 = net.vote(0, 0x22);
  leader.deliver(v1);
  leader.deliver(v1);  // a duplicate is no equivocation
  EXPECT_EQ(leader.core->counters().evidence, 0u);
  leader.pending.clear();
  leader.core->on_message(0, v2, leader.pending);
  const VerifyAction* va = leader.find<VerifyAction>();
  ASSERT_NE(va, nullptr);
  uint64_t id = va->request;
  Actions out;
  leader.core->on_verified(id, std::vector<uint8_t>(va->items.size(), 1), out);
  ASSERT_EQ(leader.core->counters().evidence, 1u);
  bool logged = false;
  for (const auto& a : out)
    if (auto* l = std::get_if<LogAction>(&a))
      logged |= l->line.find("validator 0 double vote") != std::string::npos;
  EXPECT_TRUE(logged);
  std::vector<Evidence> list;
  ASSERT_TRUE(parse_evidence(leader.core->export_evidence(), list));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].kind, EvidenceKind::double_vote);
  EXPECT_EQ(list[0].validator, 0u);
  EXPECT_EQ(list[0].first, v1);
  EXPECT_EQ(list[0].second, v2);
}

TEST(CoreEvidence, DoubleProposalIsRecorded) {
  Net net;
  Node node(net, 3);
  node.deliver(net.proposal('A'));
  node.deliver(net.proposal('B'));
  ASSERT_EQ(node.core->evidence().size(), 1u);
  EXPECT_EQ(node.core->evidence()[0].kind, EvidenceKind::double_proposal);
  EXPECT_EQ(node.core->evidence()[0].validator, 1u);
}

TEST(CoreInput, MalformedAndForgedMessagesAreCountedDrops) {
  Net net;
  Node node(net, 3);
  Bytes junk(10, 0xff);
  node.deliver(junk);
  EXPECT_EQ(node.core->counters().parse_drops[size_t(ParseError::short_input)], 1u);
  Bytes forged = net.proposal('A');
  forged[forged.size() - 1] ^= 1;  // signature no longer matches
  node.deliver(forged);
  EXPECT_EQ(node.core->counters().bad_signature, 1u);
  EXPECT_TRUE(node.votes[1].empty());
  // A proposal from a validator that does not lead the round.
  Bytes wrong = net.proposal('A');
  wrong[24] = 2;  // header sender
  node.deliver(wrong);
  EXPECT_GE(node.core->counters().bad_sender +
                node.core->counters().parse_drops[size_t(ParseError::bad_field)],
            1u);
}

}  // namespace
}  // namespace vigil::consensus
