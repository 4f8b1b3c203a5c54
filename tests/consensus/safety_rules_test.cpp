// SafetyRules: the voting, timeout and proposal rules of Jolteon, one case
// per rule, and the test-only switch that turns them off.
#include "host/consensus/safety_rules.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace vigil::consensus {
namespace {

QuorumCert qc_at(Epoch e, Round r, uint64_t height, uint8_t tag) {
  QuorumCert qc;
  std::memset(qc.vote.block_id, tag, VIGIL_HASH_LEN);
  qc.vote.epoch = e;
  qc.vote.round = r;
  qc.vote.height = height;
  return qc;
}

vigil_vote_data vote_on(const QuorumCert& parent, Round r, uint8_t tag) {
  vigil_vote_data v{};
  std::memset(v.block_id, tag, VIGIL_HASH_LEN);
  v.epoch = parent.vote.epoch;
  v.round = r;
  v.height = parent.vote.height + 1;
  std::memcpy(v.parent_id, parent.vote.block_id, VIGIL_HASH_LEN);
  v.parent_round = parent.vote.round;
  return v;
}

TimeoutCert tc_at(Epoch e, Round r, std::initializer_list<Round> hqc_rounds) {
  TimeoutCert tc;
  tc.epoch = e;
  tc.round = r;
  ValidatorIndex i = 0;
  for (Round h : hqc_rounds) {
    tc.signers.add(i++);
    tc.entries.push_back({h, {}});
  }
  return tc;
}

SafetyRules fresh() {
  SafetyRules s{SafetyState{}};
  s.start_epoch(1);
  return s;
}

TEST(SafetyRules, VotesOnceForAConsecutiveRound) {
  SafetyRules s = fresh();
  QuorumCert q = qc_at(1, 4, 4, 0xaa);
  EXPECT_EQ(s.vote(vote_on(q, 5, 1), q, nullptr), SafetyVerdict::sign);
  EXPECT_EQ(s.state().last_voted_round, 5u);
  EXPECT_EQ(s.state().preferred_round, 4u);
  // The same vote again is a resend; a different block in round 5 is refused.
  EXPECT_EQ(s.vote(vote_on(q, 5, 1), q, nullptr), SafetyVerdict::resend);
  EXPECT_EQ(s.vote(vote_on(q, 5, 2), q, nullptr), SafetyVerdict::old_round);
  EXPECT_EQ(s.state().last_vote->block_id[0], 1);
}

TEST(SafetyRules, RefusesOlderRoundsAndGaps) {
  SafetyRules s = fresh();
  QuorumCert q = qc_at(1, 4, 4, 0xaa);
  ASSERT_EQ(s.vote(vote_on(q, 5, 1), q, nullptr), SafetyVerdict::sign);
  QuorumCert q3 = qc_at(1, 3, 3, 0xbb);
  EXPECT_EQ(s.vote(vote_on(q3, 4, 2), q3, nullptr), SafetyVerdict::old_round);
  // Round 7 on a QC of round 5 without a TC of round 6: not extending.
  QuorumCert q5 = qc_at(1, 5, 5, 0xcc);
  EXPECT_EQ(s.vote(vote_on(q5, 7, 3), q5, nullptr), SafetyVerdict::not_extending);
}

TEST(SafetyRules, TcAllowsAGapOnlyOverItsHighestQc) {
  SafetyRules s = fresh();
  QuorumCert q5 = qc_at(1, 5, 5, 0xcc);
  TimeoutCert tc6 = tc_at(1, 6, {5, 4, 5});
  EXPECT_EQ(s.vote(vote_on(q5, 7, 1), q5, &tc6), SafetyVerdict::sign);
  SafetyRules t = fresh();
  TimeoutCert tc6_higher = tc_at(1, 6, {5, 4, 5});
  tc6_higher.entries[1].high_qc_round = 5;
  QuorumCert q4 = qc_at(1, 4, 4, 0xdd);
  // The TC reports a QC of round 5; extending round 4 could drop it.
  EXPECT_EQ(t.vote(vote_on(q4, 7, 1), q4, &tc6_higher), SafetyVerdict::not_extending);
  // A TC of the wrong round does not help either.
  TimeoutCert tc5 = tc_at(1, 5, {4});
  EXPECT_EQ(t.vote(vote_on(q4, 7, 1), q4, &tc5), SafetyVerdict::not_extending);
}

TEST(SafetyRules, RejectsInconsistentVoteDataAndOtherEpochs) {
  SafetyRules s = fresh();
  QuorumCert q = qc_at(1, 4, 4, 0xaa);
  vigil_vote_data v = vote_on(q, 5, 1);
  v.height += 1;
  EXPECT_EQ(s.vote(v, q, nullptr), SafetyVerdict::bad_data);
  v = vote_on(q, 5, 1);
  v.parent_id[3] ^= 1;
  EXPECT_EQ(s.vote(v, q, nullptr), SafetyVerdict::bad_data);
  QuorumCert q2 = qc_at(2, 4, 4, 0xaa);
  EXPECT_EQ(s.vote(vote_on(q2, 5, 1), q2, nullptr), SafetyVerdict::wrong_epoch);
  EXPECT_EQ(s.state().last_voted_round, 0u);
}

TEST(SafetyRules, TimeoutEndsVotingInItsRoundAndIsRepeatable) {
  SafetyRules s = fresh();
  EXPECT_EQ(s.timeout(1, 5, 4, std::nullopt), SafetyVerdict::sign);
  EXPECT_EQ(s.state().last_timeout_round, 5u);
  EXPECT_EQ(s.state().last_voted_round, 5u);
  QuorumCert q = qc_at(1, 4, 4, 0xaa);
  EXPECT_EQ(s.vote(vote_on(q, 5, 1), q, nullptr), SafetyVerdict::old_round);
  // The same timeout again is a resend; one reporting another QC is refused.
  EXPECT_EQ(s.timeout(1, 5, 4, std::nullopt), SafetyVerdict::resend);
  EXPECT_EQ(s.timeout(1, 5, 3, 4), SafetyVerdict::old_round);
  EXPECT_EQ(s.timeout(1, 4, 3, std::nullopt), SafetyVerdict::old_round);
}

TEST(SafetyRules, TimeoutMustReportThePreferredQc) {
  SafetyRules s = fresh();
  QuorumCert q = qc_at(1, 4, 4, 0xaa);
  ASSERT_EQ(s.vote(vote_on(q, 5, 1), q, nullptr), SafetyVerdict::sign);
  // Voted on a QC of round 4: a timeout claiming a highest QC of round 3
  // would hide it from the next TC.
  EXPECT_EQ(s.timeout(1, 6, 3, 5), SafetyVerdict::stale_qc);
  EXPECT_EQ(s.timeout(1, 6, 5, std::nullopt), SafetyVerdict::sign);
  // A round neither after the QC nor after a TC: refused.
  SafetyRules t = fresh();
  EXPECT_EQ(t.timeout(1, 9, 4, 7), SafetyVerdict::not_extending);
  EXPECT_EQ(t.timeout(1, 9, 4, 8), SafetyVerdict::sign);
}

TEST(SafetyRules, ProposesOncePerRound) {
  SafetyRules s = fresh();
  EXPECT_EQ(s.propose(1, 3), SafetyVerdict::sign);
  EXPECT_EQ(s.propose(1, 3), SafetyVerdict::old_round);
  EXPECT_EQ(s.propose(1, 2), SafetyVerdict::old_round);
  EXPECT_EQ(s.propose(2, 4), SafetyVerdict::wrong_epoch);
  EXPECT_EQ(s.propose(1, 4), SafetyVerdict::sign);
}

TEST(SafetyRules, StateSurvivesARestartAndANewEpochResetsIt) {
  SafetyRules s = fresh();
  QuorumCert q = qc_at(1, 4, 4, 0xaa);
  ASSERT_EQ(s.vote(vote_on(q, 5, 1), q, nullptr), SafetyVerdict::sign);
  SafetyRules restarted{s.state()};  // what was persisted
  restarted.start_epoch(1);          // same epoch: no reset
  EXPECT_EQ(restarted.vote(vote_on(q, 5, 2), q, nullptr), SafetyVerdict::old_round);
  EXPECT_EQ(restarted.vote(vote_on(q, 5, 1), q, nullptr), SafetyVerdict::resend);
  restarted.start_epoch(2);
  EXPECT_EQ(restarted.state().epoch, 2u);
  EXPECT_EQ(restarted.state().last_voted_round, 0u);
  QuorumCert q2 = qc_at(2, 0, 9, 0xee);
  EXPECT_EQ(restarted.vote(vote_on(q2, 1, 3), q2, nullptr), SafetyVerdict::sign);
}

TEST(SafetyRules, TestSwitchTurnsEveryCheckOff) {
  SafetyRules s = fresh();
  s.set_enforcing_for_test(false);
  QuorumCert q = qc_at(1, 4, 4, 0xaa);
  EXPECT_EQ(s.vote(vote_on(q, 5, 1), q, nullptr), SafetyVerdict::sign);
  EXPECT_EQ(s.vote(vote_on(q, 5, 2), q, nullptr), SafetyVerdict::sign);
  EXPECT_EQ(s.timeout(1, 5, 1, std::nullopt), SafetyVerdict::sign);
  EXPECT_EQ(s.propose(1, 1), SafetyVerdict::sign);
  EXPECT_EQ(s.propose(1, 1), SafetyVerdict::sign);
}

}  // namespace
}  // namespace vigil::consensus
