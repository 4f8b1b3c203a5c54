#include "host/consensus/safety_rules.hpp"

#include <algorithm>
#include <cstring>

namespace vigil::consensus {

std::string_view safety_verdict_name(SafetyVerdict v) {
  switch (v) {
    case SafetyVerdict::sign:
      return "sign";
    case SafetyVerdict::resend:
      return "resend";
    case SafetyVerdict::wrong_epoch:
      return "wrong_epoch";
    case SafetyVerdict::old_round:
      return "old_round";
    case SafetyVerdict::not_extending:
      return "not_extending";
    case SafetyVerdict::stale_qc:
      return "stale_qc";
    case SafetyVerdict::bad_data:
      return "bad_data";
  }
  return "unknown";
}

void SafetyRules::start_epoch(Epoch epoch) {
  if (epoch <= state_.epoch) return;
  state_ = SafetyState{};
  state_.epoch = epoch;
}

SafetyVerdict SafetyRules::vote(const vigil_vote_data& vote, const QuorumCert& qc,
                                const TimeoutCert* tc) {
  const Round r = vote.round, q = qc.round();
  if (enforcing_) {
    if (vote.epoch != state_.epoch || qc.vote.epoch != state_.epoch)
      return SafetyVerdict::wrong_epoch;
    if (vote.parent_round != q ||
        std::memcmp(vote.parent_id, qc.vote.block_id, VIGIL_HASH_LEN) != 0 ||
        vote.height != qc.vote.height + 1)
      return SafetyVerdict::bad_data;
    if (state_.last_vote && state_.last_vote->round == r &&
        std::memcmp(&*state_.last_vote, &vote, sizeof vote) == 0)
      return SafetyVerdict::resend;
    if (r <= std::max(state_.last_voted_round, q)) return SafetyVerdict::old_round;
    bool consecutive = r == q + 1;
    bool extends_tc = tc != nullptr && tc->epoch == vote.epoch && r == tc->round + 1 &&
                      q >= tc->max_high_qc_round();
    if (!consecutive && !extends_tc) return SafetyVerdict::not_extending;
  }
  state_.last_voted_round = std::max(state_.last_voted_round, r);
  state_.preferred_round = std::max(state_.preferred_round, q);
  state_.last_vote = vote;
  return SafetyVerdict::sign;
}

SafetyVerdict SafetyRules::timeout(Epoch epoch, Round round, Round high_qc_round,
                                   std::optional<Round> tc_round) {
  if (enforcing_) {
    if (epoch != state_.epoch) return SafetyVerdict::wrong_epoch;
    if (round == state_.last_timeout_round && round != 0)
      return high_qc_round == state_.last_timeout_hqc_round ? SafetyVerdict::resend
                                                            : SafetyVerdict::old_round;
    if (round < state_.last_timeout_round || round < state_.last_voted_round ||
        round <= high_qc_round)
      return SafetyVerdict::old_round;
    if (high_qc_round < state_.preferred_round) return SafetyVerdict::stale_qc;
    if (round != high_qc_round + 1 && !(tc_round && *tc_round + 1 == round))
      return SafetyVerdict::not_extending;
  }
  state_.last_voted_round = std::max(state_.last_voted_round, round);
  state_.last_timeout_round = round;
  state_.last_timeout_hqc_round = high_qc_round;
  return SafetyVerdict::sign;
}

SafetyVerdict SafetyRules::propose(Epoch epoch, Round round) {
  if (enforcing_) {
    if (epoch != state_.epoch) return SafetyVerdict::wrong_epoch;
    if (round <= state_.last_proposed_round) return SafetyVerdict::old_round;
  }
  state_.last_proposed_round = std::max(state_.last_proposed_round, round);
  return SafetyVerdict::sign;
}

}  // namespace vigil::consensus
