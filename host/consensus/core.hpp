// The consensus core: Jolteon / DiemBFT-v4 two-chain HotStuff as a pure,
// deterministic state machine. Events go in (a message received, a timer
// fired, a signature verification result, a persist completed); actions
// come out (send, broadcast, set a timer, verify these signatures, persist
// the safety state, commit these blocks, log a line). It does no I/O, reads
// no clock, starts no thread, iterates only ordered containers and uses no
// floating point: the same events in the same order give the same actions.
//
// Signatures: the core never calls a crypto library. It asks the driver to
// verify (public key, message, signature) triples and waits for the result
// event; it signs through the injected Signer. Any scheme will do.
//
// Safety: every vote and timeout is decided by SafetyRules and released only
// after the driver reports the new safety state persisted.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "host/consensus/epoch.hpp"
#include "host/consensus/evidence.hpp"
#include "host/consensus/safety_rules.hpp"
#include "host/consensus/storage.hpp"
#include "host/consensus/types.hpp"
#include "host/consensus/wire.hpp"

namespace vigil::consensus {

class Signer {
 public:
  virtual ~Signer() = default;
  virtual PublicKey public_key() const = 0;
  virtual Signature sign(ByteView message) = 0;
};

// What a proposer puts in a new block: transaction frames back to back, and
// the state root after the parent executed (the header's state_root).
struct Payload {
  Bytes frames;
  uint32_t count = 0;
  BlockId state_root{};
  bool skip = false;  // no proposal this round (the state after the parent is not known here)
};

// What this node's execution says of a proposed block before it votes.
enum class BlockCheck : uint8_t {
  ok,       // its state_root is the state after its parent
  bad,      // it is not, or the block can never commit: a counted bad proposal
  unknown,  // the parent's chain is not here yet: no vote, counted apart
};

using SharedBytes = std::shared_ptr<const Bytes>;

// --- events ----------------------------------------------------------------
struct MessageEvent {
  ValidatorIndex from;  // transport's idea of the peer (replies go there)
  ByteView bytes;
};
struct TimerEvent {
  uint64_t token;
};
struct VerifyResultEvent {
  uint64_t request;
  std::vector<uint8_t> valid;  // one per item, 1 = valid
};
struct PersistDoneEvent {
  uint64_t request;
};
using Event = std::variant<MessageEvent, TimerEvent, VerifyResultEvent, PersistDoneEvent>;

// --- actions ---------------------------------------------------------------
struct SendAction {
  ValidatorIndex to;
  SharedBytes bytes;
};
struct BroadcastAction {  // to every validator but this one
  SharedBytes bytes;
};
struct SetTimerAction {  // fire TimerEvent{token} after `delay` ticks; replaces the last
  uint64_t token;
  uint64_t delay;
};
struct VerifyItem {
  PublicKey public_key;
  Signature signature;
  SharedBytes message;
};
struct VerifyAction {
  uint64_t request;
  std::vector<VerifyItem> items;
};
// Write and sync, then PersistDoneEvent{request}. Each carries the whole
// safety state; the driver must complete them in the order issued, so that
// an older snapshot never overwrites a newer one.
struct PersistAction {
  uint64_t request;
  SafetyState state;
};
struct CommitAction {  // ascending height, extending the last commit
  std::vector<Block> blocks;
};
struct LogAction {
  std::string line;
};
using Action = std::variant<SendAction, BroadcastAction, SetTimerAction, VerifyAction,
                            PersistAction, CommitAction, LogAction>;
using Actions = std::vector<Action>;

// Encodes `m`, signs what its signature covers with `signer`, and returns
// the bytes (m.sig is set too).
SharedBytes seal(Message& m, Signer& signer);

// Test only: each bit puts back one defect that a review found and that is
// fixed (issue 10), so that the simulator can show it would have found it.
enum RevertFix : uint32_t {
  revert_qc_cache = 1,    // a cached QC vouches for any QC of its round and block
  revert_tc_cache = 2,    // a cached TC vouches for any TC of its round
  revert_epoch_sync = 4,  // old-epoch sync always answers the blocks just below the epoch end
  revert_sync_bytes = 8,  // sync responses pack max_sync_blocks whatever their size
};

struct CoreConfig {
  uint64_t base_timeout = 1000;  // ticks of the driver's clock
  uint32_t max_backoff_shift = 4;
  size_t max_pending_verify = 256;
  size_t max_pending_persist = 64;
  size_t max_sync_inflight = 16;
  size_t max_message_bytes = kMaxMessageBytes;       // larger input is a counted drop
  uint32_t max_sync_blocks = VIGIL_SYNC_MAX_BLOCKS;  // blocks per sync response, asked and served
  // Encoded size a sync response may reach (one block is always sent, if it
  // fits in max_message_bytes); the rest comes with the next request.
  size_t max_sync_response_bytes = 4u << 20;
  // Per transport peer, between two rounds (or timer firings): sync requests
  // answered, and sync responses of a newer epoch (unsigned by a key we know)
  // taken in.
  uint32_t sync_serves_per_peer = 16;
  uint32_t future_syncs_per_peer = 8;
  uint32_t revert_fixes_for_test = 0;  // RevertFix bits; 0 in production
  // The frames of a new block this node proposes and the state root it
  // carries (the header is filled but for tx_root, tx_count and state_root).
  // Empty, with a zero state root, when unset.
  std::function<Payload(const vigil_block_hdr&)> payload;
  // Checks a proposal before this node votes for it (speculative execution
  // of its parent: host/ledger). Unset: every block is ok.
  std::function<BlockCheck(const Block&)> check_block;
  // The validator set that takes over after committed block `b` when `b`
  // ends its epoch (decided by execution: committed governance). Unset: a
  // block whose frames are one reconfiguration transaction ends it
  // (parse_reconfiguration). Must be deterministic, as the whole core.
  std::function<std::optional<std::vector<PublicKey>>(const Block&)> next_validators;
};

// Drop and event counters (each drop reason its own counter).
struct CoreCounters {
  uint64_t parse_drops[size_t(ParseError::count_)] = {};
  uint64_t bad_signature = 0, bad_sender = 0, bad_certificate = 0, bad_proposal = 0;
  uint64_t stale = 0, old_epoch = 0, future_epoch = 0, verify_queue_full = 0;
  uint64_t persist_queue_full = 0, sync_rate_limited = 0, sync_too_large = 0;
  uint64_t proposal_unchecked = 0;  // no vote: check_block could not tell yet
  uint64_t safety_refusals = 0, evidence = 0, evidence_dropped = 0, conflicting_commit = 0;
  uint64_t proposals_sent = 0, votes_sent = 0, timeouts_sent = 0;
  uint64_t qcs_formed = 0, tcs_formed = 0, sync_requests = 0, sync_served = 0;
  uint64_t blocks_committed = 0, epochs = 0;
};

class Core {
 public:
  // Loads what `storage` holds (a restart) or starts from `genesis`.
  Core(CoreConfig config, const Genesis& genesis, Storage& storage, Signer& signer);

  void start(Actions& out);
  void handle(const Event& e, Actions& out);

  void on_message(ValidatorIndex from, ByteView bytes, Actions& out);
  void on_timer(uint64_t token, Actions& out);
  void on_verified(uint64_t request, const std::vector<uint8_t>& valid, Actions& out);
  void on_persisted(uint64_t request, Actions& out);

  Epoch epoch() const { return epoch_.validators.epoch; }
  const ValidatorSet& validators() const { return epoch_.validators; }
  Round round() const { return round_; }
  const QuorumCert& high_qc() const { return high_qc_; }
  const CommittedTip& committed() const { return committed_; }
  const CoreCounters& counters() const { return counters_; }
  const std::vector<Evidence>& evidence() const { return evidence_; }
  Bytes export_evidence() const { return serialize_evidence(evidence_); }
  SafetyRules& safety_rules_for_test() { return safety_; }

 private:
  struct Pending {  // a message waiting for its signatures
    Message msg;
    Bytes raw;
    ValidatorIndex from;
    size_t items;  // verdicts expected
  };
  struct Release {                    // what a persist holds back
    std::optional<Message> proposal;  // to everyone
    std::optional<Message> vote;      // to leader(round + 1)
    std::optional<Message> timeout;   // to everyone
  };
  struct VoteAgg {
    vigil_vote_data data{};
    std::map<ValidatorIndex, Signature> sigs;
  };
  struct SeenMsg {
    BlockId id{};
    Bytes raw;
  };

  const ValidatorSet& vset() const { return epoch_.validators; }
  ValidatorIndex self() const { return self_; }
  bool is_validator() const { return self_ < vset().size(); }

  // checks, verification
  bool check_qc_shape(const QuorumCert& qc) const;
  bool check_tc_shape(const TimeoutCert& tc) const;
  void add_qc_items(const QuorumCert& qc, std::vector<VerifyItem>& items) const;
  void add_tc_items(const TimeoutCert& tc, std::vector<VerifyItem>& items) const;
  bool qc_verified(const QuorumCert& qc) const;
  bool tc_verified(const TimeoutCert& tc) const;
  void note_verified(const Message& m);
  bool take_budget(std::map<ValidatorIndex, uint32_t>& used, ValidatorIndex peer, uint32_t limit);
  void dispatch(const Message& m, const Bytes& raw, ValidatorIndex from, Actions& out);

  // protocol steps
  void on_proposal(const Message& m, const Bytes& raw, Actions& out);
  void on_vote(const Message& m, const Bytes& raw, Actions& out);
  void on_timeout_msg(const Message& m, ValidatorIndex from, Actions& out);
  void on_sync_request(const Message& m, ValidatorIndex from, Actions& out);
  void on_sync_response(const Message& m, ValidatorIndex from, Actions& out);
  void process_qc(const QuorumCert& qc, ValidatorIndex hint, Actions& out);
  void process_tc(const TimeoutCert& tc, Actions& out);
  void enter_round(Round r, bool by_qc, Actions& out);
  void propose(Actions& out);
  void local_timeout(Actions& out);
  void try_commit(Actions& out);
  enum class CommitResult { done, missing_blocks, conflict };
  CommitResult commit_through(const QuorumCert& qc, Actions& out);
  void find_self();
  void start_epoch(const EpochRecord& e, Actions& out);
  void need_block(const BlockId& id, ValidatorIndex peer, Actions& out);
  void send_sync_request(const BlockId& id, ValidatorIndex peer, Actions& out);
  void retry_syncs(bool all, Actions& out);
  void record_evidence(EvidenceKind kind, const Message& m, const Bytes& first, const Bytes& second,
                       Actions& out);
  void add_vote(const Message& m, Actions& out);
  void prune(Round r);
  void add_timeout(ValidatorIndex signer, const vigil_timeout_data& d, const Signature& sig,
                   Actions& out);

  // messages out
  Message make_vote_msg(const vigil_vote_data& d) const;
  Message make_timeout_msg() const;
  SharedBytes seal(Message& m) { return consensus::seal(m, signer_); }
  void persist_then(Release r, Actions& out);
  void release(Release& r, Actions& out);
  void log(Actions& out, std::string line) const;

  CoreConfig config_;
  ValidatorIndex self_ = ~0u;  // this node's index in the epoch's set (~0: not in it)
  Storage& storage_;
  Signer& signer_;
  SafetyRules safety_;
  EpochRecord epoch_;

  Round round_ = 0;
  QuorumCert high_qc_;
  std::optional<TimeoutCert> last_tc_;  // the TC that ended round_ - 1, if any
  CommittedTip committed_;
  std::optional<QuorumCert> commit_qc_;  // highest QC whose parent awaits commit
  uint32_t backoff_ = 0;
  uint64_t timer_token_ = 0;
  bool proposed_ = false;          // proposed in round_
  bool epoch_sync_asked_ = false;  // asked a peer for a newer epoch since the last timer
  uint32_t epoch_sync_tries_ = 0;
  SharedBytes my_timeout_;  // the timeout this node sent for my_timeout_round_
  Round my_timeout_round_ = 0;
  ValidatorIndex sync_hint_ = 0;  // a peer that holds the blocks we lack

  std::map<Round, std::map<Bytes, VoteAgg>> votes_;  // keyed by the signed vote bytes
  std::map<Round, std::map<ValidatorIndex, std::pair<Round, Signature>>> timeouts_;
  std::set<Round> qc_formed_, tc_formed_;
  std::map<std::pair<Round, ValidatorIndex>, SeenMsg> votes_seen_;
  std::map<Round, SeenMsg> proposals_seen_;
  // Certificates already verified, keyed on all their signatures cover: a
  // QC's whole vote data, a TC's signers and their high QC rounds.
  std::map<Round, vigil_vote_data> certified_;
  std::map<Round, Bytes> tc_verified_;
  // Per-peer sync budgets, reset when a round starts or the timer fires.
  std::map<ValidatorIndex, uint32_t> sync_served_, future_syncs_;
  struct SyncAsk {
    ValidatorIndex peer;
    Round asked_in;
  };
  std::map<BlockId, SyncAsk> sync_inflight_;

  uint64_t next_request_ = 1;
  std::map<uint64_t, Pending> pending_verify_;
  std::map<uint64_t, Release> pending_persist_;
  std::vector<Evidence> evidence_;
  CoreCounters counters_;
};

}  // namespace vigil::consensus
