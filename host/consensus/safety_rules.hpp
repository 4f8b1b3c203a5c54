// Safety rules (as Aptos' safety-rules, for two-chain HotStuff / Jolteon):
// the only component that decides whether this validator may sign a vote or
// a timeout. It keeps the last voted round, the highest QC round it has
// voted on (preferred round) and the last timeout, and it must see its state
// persisted (synced) before anything it allowed leaves the process, so a
// restarted validator never signs two conflicting messages for one round.
//
// Rules (DiemBFT v4 / Jolteon):
//   vote for block round r carrying QC round q (and TC of round r-1):
//     r > max(last_voted_round, q), and r == q + 1, or the TC is for r - 1
//     and q >= the highest QC round any of the TC's signers reported.
//   timeout for round r reporting high QC round q:
//     q >= preferred_round, r > q, r >= last_voted_round; r == q + 1 or a TC
//     of r - 1 is held; a second timeout for the same round must be the
//     same one (same q). A timeout also ends voting in r.
//   proposal for round r (leaders): r > last_proposed_round, so a leader
//     that restarts in the round it proposed in never proposes twice.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "host/consensus/types.hpp"

namespace vigil::consensus {

struct SafetyState {
  Epoch epoch = 0;
  Round last_voted_round = 0;
  Round preferred_round = 0;
  Round last_timeout_round = 0;
  Round last_timeout_hqc_round = 0;
  Round last_proposed_round = 0;
  // The last vote signed, so that after a restart the same vote (and only
  // it) can be sent again for that round.
  std::optional<vigil_vote_data> last_vote;
};

enum class SafetyVerdict : uint8_t {
  sign,           // sign it; persist the new state first
  resend,         // the same vote/timeout was signed before: send it again
  wrong_epoch,    // not this epoch
  old_round,      // round not above the last voted (or timed out) round
  not_extending,  // neither the QC's round + 1 nor a TC that allows it
  stale_qc,       // timeout reporting a QC below the preferred round
  bad_data,       // vote data disagrees with the block and its QC
};

std::string_view safety_verdict_name(SafetyVerdict v);

class SafetyRules {
 public:
  explicit SafetyRules(SafetyState state) : state_(state) {}

  const SafetyState& state() const { return state_; }

  // A new epoch starts with fresh rounds.
  void start_epoch(Epoch epoch);

  // `vote` is what would be signed: block id, epoch, round, height and the
  // parent (the QC's block and round). `tc` is the TC of round - 1, if any.
  SafetyVerdict vote(const vigil_vote_data& vote, const QuorumCert& qc, const TimeoutCert* tc);

  // A timeout for `round` reporting `high_qc_round`; `tc_round` is the round
  // of the TC by which this round was entered, if any.
  SafetyVerdict timeout(Epoch epoch, Round round, Round high_qc_round,
                        std::optional<Round> tc_round);

  // A proposal of this validator (as leader) for `round`.
  SafetyVerdict propose(Epoch epoch, Round round);

  // Test-only switch: when off, every request is answered `sign` (state is
  // still updated). The simulator uses it to show that its checker fails.
  void set_enforcing_for_test(bool on) { enforcing_ = on; }

 private:
  SafetyState state_;
  bool enforcing_ = true;
};

}  // namespace vigil::consensus
