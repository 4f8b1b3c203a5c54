// The consensus core. Reading order: start, on_message (decode, shape
// checks, ask for signatures), on_verified -> dispatch -> on_proposal /
// on_vote / on_timeout_msg / on_sync_*, then the steps they share:
// process_qc (high QC, two-chain commit, round advance), process_tc,
// enter_round (timer, propose), local_timeout, try_commit.
#include "host/consensus/core.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace vigil::consensus {
namespace {

// Per-round bookkeeping kept this many rounds behind the current round.
constexpr Round kKeepRounds = 16;
// Votes, timeouts and proposals further ahead than this are dropped.
constexpr Round kFutureRounds = 64;
// Evidence kept: one record per (validator, epoch, round, kind), at most
// this many per validator of an epoch and in all, and these many bytes.
constexpr size_t kMaxEvidence = 1024;
constexpr size_t kMaxEvidencePerValidator = 4;
constexpr size_t kMaxEvidenceBytesPerValidator = 2 * kMaxMessageBytes;
constexpr size_t kMaxEvidenceBytes = 256u << 20;
// Sync responses of a newer epoch waiting for their signatures, in all.
constexpr size_t kMaxPendingFutureSyncs = 16;
// Distinct transport peers a sync budget tracks between resets.
constexpr size_t kMaxBudgetPeers = 2 * VIGIL_MAX_VALIDATORS;

bool same_id(const uint8_t* a, const uint8_t* b) {
  return std::memcmp(a, b, VIGIL_HASH_LEN) == 0;
}

// A block's header commits to its frames: the frames must match tx_root.
bool frames_match(const Block& b) {
  BlockId root = compute_tx_root(b.txs);
  return same_id(root.data(), b.hdr.tx_root);
}

// True when no signer bit at or above n is set.
bool signers_within(const SignerSet& s, uint32_t n) {
  for (uint32_t i = n; i < VIGIL_MAX_VALIDATORS; ++i)
    if (s.has(i)) return false;
  return true;
}

// What a TC's signatures cover, and who signed: two TCs with one key are
// the same certificate but for the signature bytes.
Bytes tc_key(const TimeoutCert& tc) {
  Bytes k(tc.signers.bits.begin(), tc.signers.bits.end());
  for (uint64_t v : {tc.epoch, tc.round})
    for (int i = 0; i < 8; ++i) k.push_back(uint8_t(v >> (8 * i)));
  for (const auto& e : tc.entries)
    for (int i = 0; i < 8; ++i) k.push_back(uint8_t(e.high_qc_round >> (8 * i)));
  return k;
}

}  // namespace

Core::Core(CoreConfig config, const Genesis& genesis, Storage& storage, Signer& signer)
    : config_(std::move(config)),
      storage_(storage),
      signer_(signer),
      safety_(storage.safety().value_or(SafetyState{})) {
  if (auto e = storage_.epoch()) {
    epoch_ = *e;
  } else {
    epoch_ = genesis_epoch(genesis);
    storage_.put_epoch(epoch_);
    Block g;
    g.hdr = genesis_block_hdr();
    g.id = epoch_.root_id;
    storage_.put_block(g);
  }
  find_self();
  safety_.start_epoch(epoch());
  committed_ = storage_.committed().value_or(CommittedTip{epoch_.root_id, epoch_.root_height});
  auto hq = storage_.high_qc();
  high_qc_ = hq && hq->vote.epoch == epoch() ? *hq : epoch_root_qc(epoch_);
  auto tc = storage_.high_tc();
  if (tc && tc->epoch == epoch() && tc->round > high_qc_.round()) last_tc_ = tc;
}

void Core::find_self() {
  self_ = ~0u;
  PublicKey me = signer_.public_key();
  for (uint32_t i = 0; i < vset().size(); ++i)
    if (vset().keys[i] == me) self_ = i;
}

void Core::start(Actions& out) {
  // What the highest QC commits may not have been committed before a crash.
  if (high_qc_.round() > 0 && high_qc_.vote.parent_round + 1 == high_qc_.round())
    commit_qc_ = high_qc_;
  try_commit(out);
  if (last_tc_) {
    std::optional<TimeoutCert> tc = std::move(last_tc_);
    last_tc_.reset();
    process_tc(*tc, out);  // the round it ended is where we were
  }
  if (round_ == 0) enter_round(high_qc_.round() + 1, true, out);
}

void Core::handle(const Event& e, Actions& out) {
  if (auto* m = std::get_if<MessageEvent>(&e)) return on_message(m->from, m->bytes, out);
  if (auto* t = std::get_if<TimerEvent>(&e)) return on_timer(t->token, out);
  if (auto* v = std::get_if<VerifyResultEvent>(&e)) return on_verified(v->request, v->valid, out);
  if (auto* p = std::get_if<PersistDoneEvent>(&e)) return on_persisted(p->request, out);
}

void Core::log(Actions& out, std::string line) const {
  char prefix[48];
  std::snprintf(prefix, sizeof prefix, "consensus[%u] e%llu r%llu: ", self_,
                (unsigned long long)epoch(), (unsigned long long)round_);
  out.push_back(LogAction{prefix + line});
}

// --- input: decode, check shape, verify ------------------------------------

bool Core::check_qc_shape(const QuorumCert& qc) const {
  if (qc.vote.epoch != epoch()) return false;
  if (qc.round() == 0) return is_epoch_root_qc(epoch_, qc);
  return signers_within(qc.signers, vset().size()) && qc.signers.count() >= vset().quorum() &&
         qc.vote.parent_round < qc.round() && qc.vote.height > 0;
}

bool Core::check_tc_shape(const TimeoutCert& tc) const {
  if (tc.epoch != epoch() || tc.round == 0) return false;
  if (!signers_within(tc.signers, vset().size()) || tc.signers.count() < vset().quorum())
    return false;
  for (const auto& e : tc.entries)
    if (e.high_qc_round >= tc.round) return false;
  return true;
}

bool Core::qc_verified(const QuorumCert& qc) const {
  auto it = certified_.find(qc.round());
  if (it == certified_.end()) return false;
  if (config_.revert_fixes_for_test & revert_qc_cache)
    return same_id(it->second.block_id, qc.vote.block_id);
  return std::memcmp(&it->second, &qc.vote, sizeof qc.vote) == 0;
}

bool Core::tc_verified(const TimeoutCert& tc) const {
  auto it = tc_verified_.find(tc.round);
  if (it == tc_verified_.end()) return false;
  return (config_.revert_fixes_for_test & revert_tc_cache) || it->second == tc_key(tc);
}

void Core::add_qc_items(const QuorumCert& qc, std::vector<VerifyItem>& items) const {
  if (qc.round() == 0 || qc_verified(qc)) return;
  auto msg = std::make_shared<const Bytes>(vote_signing_bytes(qc.vote));
  size_t k = 0;
  for (uint32_t i = 0; i < vset().size(); ++i)
    if (qc.signers.has(i)) items.push_back({vset().keys[i], qc.sigs[k++], msg});
}

void Core::add_tc_items(const TimeoutCert& tc, std::vector<VerifyItem>& items) const {
  if (tc_verified(tc)) return;
  size_t k = 0;
  for (uint32_t i = 0; i < vset().size(); ++i) {
    if (!tc.signers.has(i)) continue;
    const auto& e = tc.entries[k++];
    auto msg = std::make_shared<const Bytes>(
        timeout_signing_bytes(vigil_timeout_data{tc.epoch, tc.round, e.high_qc_round}));
    items.push_back({vset().keys[i], e.sig, msg});
  }
}

// Takes one unit of `peer`'s budget; false (a counted drop) when it is spent
// or too many peers are tracked already.
bool Core::take_budget(std::map<ValidatorIndex, uint32_t>& used, ValidatorIndex peer,
                       uint32_t limit) {
  auto it = used.find(peer);
  if (it == used.end() && used.size() < kMaxBudgetPeers) it = used.emplace(peer, 0).first;
  if (it == used.end() || it->second >= limit) {
    ++counters_.sync_rate_limited;
    return false;
  }
  ++it->second;
  return true;
}

void Core::on_message(ValidatorIndex from, ByteView bytes, Actions& out) {
  if (bytes.size() > config_.max_message_bytes) {
    ++counters_.parse_drops[size_t(ParseError::oversized)];
    return;
  }
  Message m;
  ParseError err = decode(bytes, m);
  if (err != ParseError::ok) {
    ++counters_.parse_drops[size_t(err)];
    return;
  }
  bool future_sync = false;
  if (m.epoch < epoch()) {
    // A node left in an ended epoch: serve it the epoch's end; drop the rest.
    if (m.type == VIGIL_MSG_SYNC_REQUEST) return on_sync_request(m, from, out);
    ++counters_.old_epoch;
    return;
  }
  if (m.epoch > epoch()) {
    // A newer epoch exists. Its messages can't be checked with our set; a
    // sync response can (its QC is of our epoch), anything else makes us ask.
    if (m.type != VIGIL_MSG_SYNC_RESPONSE) {
      ++counters_.future_epoch;
      if (!epoch_sync_asked_) {
        // Ask the sender, or every other time a peer in turn, so that one
        // that never answers cannot keep us in the old epoch.
        epoch_sync_asked_ = true;
        ValidatorIndex peer =
            ++epoch_sync_tries_ % 2 ? from : (epoch_sync_tries_ / 2) % vset().size();
        send_sync_request(BlockId{}, peer == self() ? from : peer, out);
      }
      return;
    }
    // Its sender is unknown to us: what it can make us verify is bounded,
    // per peer and in all.
    size_t waiting = 0;
    for (const auto& [id, p] : pending_verify_) waiting += p.msg.epoch > epoch();
    if (waiting >= kMaxPendingFutureSyncs) {
      ++counters_.verify_queue_full;
      return;
    }
    if (!take_budget(future_syncs_, from, config_.future_syncs_per_peer)) return;
    future_sync = true;
  }
  if (!future_sync && m.sender >= vset().size()) {
    ++counters_.bad_sender;
    return;
  }

  std::vector<VerifyItem> items;
  bool shape_ok = true;
  switch (m.type) {
    case VIGIL_MSG_PROPOSAL: {
      const Proposal& p = m.proposal;
      if (m.sender != vset().leader(m.round)) {
        ++counters_.bad_sender;
        return;
      }
      if (!frames_match(p.block)) {
        ++counters_.bad_proposal;
        return;
      }
      shape_ok = check_qc_shape(p.qc) && (!p.tc || check_tc_shape(*p.tc));
      if (shape_ok) {
        add_qc_items(p.qc, items);
        if (p.tc) add_tc_items(*p.tc, items);
      }
      break;
    }
    case VIGIL_MSG_VOTE:
      shape_ok = m.round > 0;
      break;
    case VIGIL_MSG_TIMEOUT: {
      const Timeout& t = m.timeout;
      shape_ok = check_qc_shape(t.high_qc) && t.high_qc.round() == t.data.high_qc_round &&
                 t.data.round > t.data.high_qc_round && (!t.tc || check_tc_shape(*t.tc));
      if (shape_ok) {
        add_qc_items(t.high_qc, items);
        if (t.tc) add_tc_items(*t.tc, items);
      }
      break;
    }
    case VIGIL_MSG_SYNC_REQUEST:
      break;
    case VIGIL_MSG_SYNC_RESPONSE:
      for (const auto& p : m.sync_response.blocks)
        if (!frames_match(p.block)) {
          ++counters_.bad_proposal;
          return;
        }
      if (m.sync_response.qc) {
        shape_ok = check_qc_shape(*m.sync_response.qc);
        if (shape_ok) add_qc_items(*m.sync_response.qc, items);
      }
      // Each block's certificate comes with its child: verified too, so that
      // storage keeps the QC of every block it may commit (or refused whole).
      for (const auto& p : m.sync_response.blocks)
        if (shape_ok && p.qc.round() > 0 && check_qc_shape(p.qc)) add_qc_items(p.qc, items);
      break;
  }
  if (!shape_ok) {
    ++counters_.bad_certificate;
    return;
  }
  Bytes raw(bytes.begin(), bytes.end());
  if (!future_sync) {
    // The sender's own signature first.
    auto msg = std::make_shared<const Bytes>(message_signing_bytes(m, raw));
    items.insert(items.begin(), VerifyItem{vset().keys[m.sender], m.sig, msg});
  }
  if (items.empty()) return dispatch(m, raw, from, out);
  if (pending_verify_.size() >= config_.max_pending_verify) {
    ++counters_.verify_queue_full;
    return;
  }
  uint64_t id = next_request_++;
  size_t count = items.size();
  pending_verify_.emplace(id, Pending{std::move(m), std::move(raw), from, count});
  out.push_back(VerifyAction{id, std::move(items)});
}

void Core::on_verified(uint64_t request, const std::vector<uint8_t>& valid, Actions& out) {
  auto it = pending_verify_.find(request);
  if (it == pending_verify_.end()) return;
  Pending p = std::move(it->second);
  pending_verify_.erase(it);
  // One verdict per item asked, each valid; a short answer is a refusal.
  bool ok = valid.size() == p.items;
  for (uint8_t v : valid) ok &= v == 1;
  if (!ok) {
    ++counters_.bad_signature;
    return;
  }
  note_verified(p.msg);
  dispatch(p.msg, p.raw, p.from, out);
}

// Remembers a verified message's certificates so that copies skip the work.
void Core::note_verified(const Message& m) {
  auto note_qc = [&](const QuorumCert& qc) {
    if (qc.round() > 0) certified_[qc.round()] = qc.vote;
  };
  if (m.type == VIGIL_MSG_PROPOSAL) note_qc(m.proposal.qc);
  if (m.type == VIGIL_MSG_TIMEOUT) note_qc(m.timeout.high_qc);
  if (m.type == VIGIL_MSG_SYNC_RESPONSE) {
    if (m.sync_response.qc) note_qc(*m.sync_response.qc);
    for (const auto& p : m.sync_response.blocks)
      if (p.qc.round() > 0 && check_qc_shape(p.qc)) note_qc(p.qc);
  }
  const std::optional<TimeoutCert>* tc = m.type == VIGIL_MSG_PROPOSAL  ? &m.proposal.tc
                                         : m.type == VIGIL_MSG_TIMEOUT ? &m.timeout.tc
                                                                       : nullptr;
  if (tc && *tc) tc_verified_[(*tc)->round] = tc_key(**tc);
}

void Core::dispatch(const Message& m, const Bytes& raw, ValidatorIndex from, Actions& out) {
  switch (m.type) {
    case VIGIL_MSG_PROPOSAL:
      return on_proposal(m, raw, out);
    case VIGIL_MSG_VOTE:
      return on_vote(m, raw, out);
    case VIGIL_MSG_TIMEOUT:
      return on_timeout_msg(m, from, out);
    case VIGIL_MSG_SYNC_REQUEST:
      return on_sync_request(m, from, out);
    case VIGIL_MSG_SYNC_RESPONSE:
      return on_sync_response(m, from, out);
  }
}

// --- proposals and votes ---------------------------------------------------

void Core::on_proposal(const Message& m, const Bytes& raw, Actions& out) {
  const Proposal& p = m.proposal;
  const vigil_block_hdr& b = p.block.hdr;
  bool extends_qc = b.round == p.qc.round() + 1;
  bool extends_tc = p.tc && p.tc->round + 1 == b.round && p.qc.round() >= p.tc->max_high_qc_round();
  if (!same_id(b.parent_id, p.qc.vote.block_id) || b.height != p.qc.vote.height + 1 ||
      b.round <= p.qc.round() || (!extends_qc && !extends_tc)) {
    ++counters_.bad_proposal;
    return;
  }
  // Certificates first: they may move us into this proposal's round.
  process_qc(p.qc, m.sender, out);
  if (p.tc) process_tc(*p.tc, out);
  if (m.epoch != epoch()) return;  // its QC ended the epoch

  if (m.round + kKeepRounds <= round_ || m.round > round_ + kFutureRounds) {
    ++counters_.stale;
    return;
  }
  auto [seen, fresh] = proposals_seen_.try_emplace(m.round, SeenMsg{p.block.id, raw});
  if (!fresh && seen->second.id != p.block.id) {
    // The leader's second block for the round: proof, and nothing else.
    record_evidence(EvidenceKind::double_proposal, m, seen->second.raw, raw, out);
    return;
  }
  if (!storage_.block(p.block.id)) storage_.put_block(p.block);
  if (!storage_.block(to_id(b.parent_id))) need_block(to_id(b.parent_id), m.sender, out);

  if (m.round != round_) {
    ++counters_.stale;
    return;
  }
  if (!is_validator()) return;
  if (config_.check_block) {
    BlockCheck c = config_.check_block(p.block);
    if (c != BlockCheck::ok) {
      ++(c == BlockCheck::bad ? counters_.bad_proposal : counters_.proposal_unchecked);
      return;
    }
  }
  vigil_vote_data d{};
  std::memcpy(d.block_id, p.block.id.data(), VIGIL_HASH_LEN);
  d.epoch = b.epoch;
  d.round = b.round;
  d.height = b.height;
  std::memcpy(d.parent_id, b.parent_id, VIGIL_HASH_LEN);
  d.parent_round = p.qc.round();
  SafetyVerdict v = safety_.vote(d, p.qc, p.tc ? &*p.tc : nullptr);
  Release r;
  r.vote = make_vote_msg(d);
  // A resend waits for the disk too: the state that allowed the first copy
  // may still be on its way there, and no copy may leave before it lands.
  if (v == SafetyVerdict::sign || v == SafetyVerdict::resend)
    return persist_then(std::move(r), out);
  ++counters_.safety_refusals;
}

void Core::on_vote(const Message& m, const Bytes& raw, Actions& out) {
  // Only recent and near-future rounds: what a sender can make us keep is
  // bounded (one vote per validator per round, kFutureRounds rounds ahead).
  if (m.round + kKeepRounds <= round_ || m.round > round_ + kFutureRounds) {
    ++counters_.stale;
    return;
  }
  BlockId id = to_id(m.vote.data.block_id);
  auto [seen, fresh] = votes_seen_.try_emplace({m.round, m.sender}, SeenMsg{id, raw});
  if (!fresh) {  // a copy, or a second vote: evidence, never counted
    if (seen->second.id != id)
      record_evidence(EvidenceKind::double_vote, m, seen->second.raw, raw, out);
    return;
  }
  if (vset().leader(m.round + 1) != self()) return;  // votes go to the next leader
  if (m.round + 1 < round_) {
    ++counters_.stale;
    return;
  }
  add_vote(m, out);
}

void Core::add_vote(const Message& m, Actions& out) {
  VoteAgg& agg = votes_[m.round][vote_signing_bytes(m.vote.data)];
  agg.data = m.vote.data;
  agg.sigs.emplace(m.sender, m.sig);
  if (agg.sigs.size() < vset().quorum() || qc_formed_.count(m.round)) return;
  qc_formed_.insert(m.round);
  QuorumCert qc;
  qc.vote = agg.data;
  for (const auto& [signer, sig] : agg.sigs) {
    qc.signers.add(signer);
    qc.sigs.push_back(sig);
  }
  ++counters_.qcs_formed;
  certified_[qc.round()] = qc.vote;
  process_qc(qc, self(), out);
}

// --- timeouts --------------------------------------------------------------

void Core::on_timeout_msg(const Message& m, ValidatorIndex from, Actions& out) {
  process_qc(m.timeout.high_qc, m.sender, out);
  if (m.timeout.tc) process_tc(*m.timeout.tc, out);
  if (m.epoch != epoch()) return;
  if (m.round < round_) {
    // The sender is behind: our own timeout carries what it lacks.
    ++counters_.stale;
    if (my_timeout_ && my_timeout_round_ == round_) out.push_back(SendAction{from, my_timeout_});
    return;
  }
  if (m.round > round_ + kFutureRounds) {
    ++counters_.stale;
    return;
  }
  add_timeout(m.sender, m.timeout.data, m.sig, out);
}

void Core::add_timeout(ValidatorIndex signer, const vigil_timeout_data& d, const Signature& sig,
                       Actions& out) {
  auto& signers = timeouts_[d.round];
  signers.emplace(signer, std::make_pair(d.high_qc_round, sig));
  // f+1 timeouts mean at least one honest node gave up on this round: join.
  if (d.round == round_ && signers.size() > vset().max_faulty() &&
      !(my_timeout_ && my_timeout_round_ == round_))
    local_timeout(out);
  if (signers.size() < vset().quorum() || tc_formed_.count(d.round)) return;
  tc_formed_.insert(d.round);
  TimeoutCert tc;
  tc.epoch = epoch();
  tc.round = d.round;
  for (const auto& [i, entry] : signers) {
    tc.signers.add(i);
    tc.entries.push_back({entry.first, entry.second});
  }
  ++counters_.tcs_formed;
  tc_verified_[tc.round] = tc_key(tc);
  process_tc(tc, out);
}

void Core::on_timer(uint64_t token, Actions& out) {
  if (token != timer_token_) return;
  epoch_sync_asked_ = false;
  sync_served_.clear();
  future_syncs_.clear();
  backoff_ = std::min(backoff_ + 1, config_.max_backoff_shift);
  local_timeout(out);
  out.push_back(SetTimerAction{++timer_token_, config_.base_timeout << backoff_});
  retry_syncs(true, out);
  try_commit(out);
}

// Asks again, another peer each time, for blocks still missing: on every
// timer, and while rounds go by (when no timer fires) every few rounds.
void Core::retry_syncs(bool all, Actions& out) {
  constexpr Round kRetryRounds = 3;
  for (auto& [id, ask] : sync_inflight_) {
    if (!all && ask.asked_in + kRetryRounds > round_) continue;
    ask.peer = (ask.peer + 1) % vset().size();
    if (ask.peer == self()) ask.peer = (ask.peer + 1) % vset().size();
    ask.asked_in = round_;
    send_sync_request(id, ask.peer, out);
  }
}

void Core::local_timeout(Actions& out) {
  if (!is_validator()) return;
  if (my_timeout_ && my_timeout_round_ == round_) {
    out.push_back(BroadcastAction{my_timeout_});
    return;
  }
  std::optional<Round> tc_round;
  if (last_tc_) tc_round = last_tc_->round;
  SafetyVerdict v = safety_.timeout(epoch(), round_, high_qc_.round(), tc_round);
  Release r;
  r.timeout = make_timeout_msg();
  if (v == SafetyVerdict::sign || v == SafetyVerdict::resend)
    return persist_then(std::move(r), out);
  ++counters_.safety_refusals;
}

// --- certificates, rounds, commits ------------------------------------------

void Core::process_qc(const QuorumCert& qc, ValidatorIndex hint, Actions& out) {
  // A certificate of an epoch that ended while its message was handled.
  if (qc.round() == 0 || qc.vote.epoch != epoch()) return;
  sync_hint_ = hint;
  if (!storage_.qc_for(qc.block_id())) storage_.put_qc(qc);
  if (qc.round() > high_qc_.round()) {
    high_qc_ = qc;
    storage_.put_high_qc(qc);
  }
  // Two-chain rule: the parent commits once it and this block are certified
  // in consecutive rounds.
  if (qc.vote.parent_round + 1 == qc.round() && qc.vote.height - 1 > committed_.height) {
    // Keep the highest such QC until its chain is here, but commit what
    // this one can commit now (a higher one may wait on blocks that no
    // longer come, as past an epoch's end).
    if (!commit_qc_ || qc.round() > commit_qc_->round()) commit_qc_ = qc;
    Epoch before = epoch();
    if (commit_through(qc, out) == CommitResult::done && epoch() != before) return;
    try_commit(out);
  }
  if (qc.round() >= round_ && qc.vote.epoch == epoch()) enter_round(qc.round() + 1, true, out);
}

void Core::process_tc(const TimeoutCert& tc, Actions& out) {
  if (tc.round < round_ || tc.epoch != epoch()) return;
  last_tc_ = tc;
  storage_.put_high_tc(tc);
  enter_round(tc.round + 1, false, out);
}

void Core::prune(Round r) {
  if (r <= kKeepRounds) return;
  Round keep = r - kKeepRounds;
  votes_.erase(votes_.begin(), votes_.lower_bound(keep));
  timeouts_.erase(timeouts_.begin(), timeouts_.lower_bound(keep));
  qc_formed_.erase(qc_formed_.begin(), qc_formed_.lower_bound(keep));
  tc_formed_.erase(tc_formed_.begin(), tc_formed_.lower_bound(keep));
  proposals_seen_.erase(proposals_seen_.begin(), proposals_seen_.lower_bound(keep));
  votes_seen_.erase(votes_seen_.begin(), votes_seen_.lower_bound({keep, 0}));
  Round keep_certs = r > 4 * kKeepRounds ? r - 4 * kKeepRounds : 0;
  certified_.erase(certified_.begin(), certified_.lower_bound(keep_certs));
  tc_verified_.erase(tc_verified_.begin(), tc_verified_.lower_bound(keep_certs));
}

void Core::enter_round(Round r, bool by_qc, Actions& out) {
  round_ = r;
  proposed_ = false;
  if (by_qc) backoff_ = 0;
  sync_served_.clear();
  future_syncs_.clear();
  if (last_tc_ && last_tc_->round + 1 != r) last_tc_.reset();
  prune(r);
  retry_syncs(false, out);
  out.push_back(SetTimerAction{++timer_token_, config_.base_timeout << backoff_});
  if (is_validator() && vset().leader(r) == self()) propose(out);
}

void Core::propose(Actions& out) {
  bool have_qc = high_qc_.round() + 1 == round_;
  bool have_tc = last_tc_ && last_tc_->round + 1 == round_;
  if (proposed_ || (!have_qc && !have_tc)) return;
  proposed_ = true;
  Message m;
  m.type = VIGIL_MSG_PROPOSAL;
  m.epoch = epoch();
  m.round = round_;
  m.sender = self();
  Proposal& p = m.proposal;
  vigil_block_hdr& h = p.block.hdr;
  h.epoch = epoch();
  h.round = round_;
  h.height = high_qc_.vote.height + 1;
  std::memcpy(h.parent_id, high_qc_.vote.block_id, VIGIL_HASH_LEN);
  h.proposer = self();
  Payload payload = config_.payload ? config_.payload(h) : Payload{};
  if (payload.skip) return;
  h.tx_count = payload.count;
  std::memcpy(h.state_root, payload.state_root.data(), VIGIL_HASH_LEN);
  p.block = make_block(h, std::move(payload.frames));
  p.qc = high_qc_;
  if (!have_qc) p.tc = last_tc_;
  if (safety_.propose(epoch(), round_) != SafetyVerdict::sign) {
    ++counters_.safety_refusals;
    return;
  }
  Release r;
  r.proposal = std::move(m);
  persist_then(std::move(r), out);
}

void Core::try_commit(Actions& out) {
  if (!commit_qc_ || commit_qc_->vote.epoch != epoch()) return;
  QuorumCert qc = *commit_qc_;
  if (commit_through(qc, out) != CommitResult::missing_blocks && commit_qc_ &&
      commit_qc_->round() == qc.round())
    commit_qc_.reset();
}

// Commits the parent of `qc` (a QC whose parent is of the round just before)
// and every uncommitted ancestor, when the blocks are here.
Core::CommitResult Core::commit_through(const QuorumCert& qc, Actions& out) {
  BlockId target = to_id(qc.vote.parent_id);
  uint64_t target_height = qc.vote.height - 1;
  if (target_height <= committed_.height) return CommitResult::done;
  std::vector<const Block*> chain;
  BlockId id = target;
  for (uint64_t h = target_height; h > committed_.height; --h) {
    const Block* b = storage_.block(id);
    if (!b) {
      need_block(id, sync_hint_, out);
      return CommitResult::missing_blocks;
    }
    if (b->hdr.height != h) break;
    chain.push_back(b);
    id = to_id(b->hdr.parent_id);
  }
  if (chain.size() != target_height - committed_.height || id != committed_.id) {
    // A certified chain that does not extend our commits: more than f faulty.
    ++counters_.conflicting_commit;
    log(out, "refusing to commit a chain that conflicts with the committed one");
    return CommitResult::conflict;
  }
  std::reverse(chain.begin(), chain.end());
  CommitAction commit;
  std::optional<std::vector<PublicKey>> next_set;
  for (const Block* b : chain) {
    commit.blocks.push_back(*b);
    committed_ = CommittedTip{b->id, b->hdr.height};
    ++counters_.blocks_committed;
    next_set =
        config_.next_validators ? config_.next_validators(*b) : parse_reconfiguration(b->txs);
    if (next_set) break;  // the epoch ends here
  }
  storage_.put_committed(committed_);
  out.push_back(std::move(commit));
  if (next_set) {
    storage_.put_epoch_end_qc(epoch(), qc);
    EpochRecord next;
    next.validators.epoch = epoch() + 1;
    next.validators.keys = std::move(*next_set);
    next.root_id = committed_.id;
    next.root_height = committed_.height;
    start_epoch(next, out);
  }
  return CommitResult::done;
}

void Core::start_epoch(const EpochRecord& e, Actions& out) {
  epoch_ = e;
  storage_.put_epoch(e);
  find_self();
  safety_.start_epoch(epoch());
  ++counters_.epochs;
  high_qc_ = epoch_root_qc(epoch_);
  storage_.put_high_qc(high_qc_);
  last_tc_.reset();
  commit_qc_.reset();  // the old epoch's blocks past its end never commit
  votes_.clear();
  timeouts_.clear();
  qc_formed_.clear();
  tc_formed_.clear();
  votes_seen_.clear();
  proposals_seen_.clear();
  certified_.clear();
  tc_verified_.clear();
  sync_inflight_.clear();
  pending_verify_.clear();  // checked against the old set; peers resend
  my_timeout_.reset();
  round_ = 0;
  char line[96];
  std::snprintf(line, sizeof line, "epoch %llu starts with %u validators at height %llu",
                (unsigned long long)epoch(), vset().size(), (unsigned long long)e.root_height);
  log(out, line);
  enter_round(1, true, out);
}

// --- block sync ------------------------------------------------------------

// A node outside its epoch's set (one that joins in a later epoch and starts
// from genesis) asks too: peers past its epoch serve old-epoch requests
// without knowing the sender, so the index it names does not matter.
void Core::send_sync_request(const BlockId& id, ValidatorIndex peer, Actions& out) {
  Message m;
  m.type = VIGIL_MSG_SYNC_REQUEST;
  m.epoch = epoch();
  m.round = round_;
  m.sender = is_validator() ? self() : 0;
  m.sync_request.block_id = id;
  m.sync_request.from_height = committed_.height + 1;
  m.sync_request.max_blocks = std::min<uint32_t>(config_.max_sync_blocks, VIGIL_SYNC_MAX_BLOCKS);
  ++counters_.sync_requests;
  out.push_back(SendAction{peer, seal(m)});
}

void Core::need_block(const BlockId& id, ValidatorIndex peer, Actions& out) {
  if (storage_.block(id) || sync_inflight_.count(id) ||
      sync_inflight_.size() >= config_.max_sync_inflight)
    return;
  if (peer == self() || peer >= vset().size()) peer = (self() + 1) % vset().size();
  sync_inflight_[id] = SyncAsk{peer, round_};
  send_sync_request(id, peer, out);
}

// Answers with the chain ending at the requested block, walking down to the
// asker's next height, at most VIGIL_SYNC_MAX_BLOCKS blocks and
// max_sync_response_bytes (the asker asks again for the lowest block's
// parent). A request of an ended epoch naming no block asks for that epoch's
// end: the chain below the QC that committed its last block, with that QC.
// Old-epoch requests come from nodes whose set we may not know, unsigned by
// any key we hold; every request is bounded per transport peer instead.
void Core::on_sync_request(const Message& m, ValidatorIndex from, Actions& out) {
  if (!is_validator()) return;
  if (!take_budget(sync_served_, from, config_.sync_serves_per_peer)) return;
  const bool reverted_epoch = config_.revert_fixes_for_test & revert_epoch_sync;
  const bool reverted_bytes = config_.revert_fixes_for_test & revert_sync_bytes;
  const SyncRequest& q = m.sync_request;
  BlockId top = q.block_id;
  const QuorumCert* qc = nullptr;
  if (m.epoch < epoch()) {
    if (top == BlockId{} || reverted_epoch) {
      qc = storage_.epoch_end_qc(m.epoch);  // the proof that ended the asker's epoch
      if (!qc) return;
      top = qc->block_id();
    }
  } else {
    qc = storage_.qc_for(top);
  }
  // A QC's block may be missing where its parent is not (a commit needs only
  // the parent's chain): the QC vouches for both.
  if (qc && !storage_.block(top)) top = to_id(qc->vote.parent_id);
  Message r;
  r.type = VIGIL_MSG_SYNC_RESPONSE;
  r.epoch = epoch();
  r.round = round_;
  r.sender = self();
  auto& blocks = r.sync_response.blocks;
  uint32_t max = std::min({q.max_blocks, config_.max_sync_blocks, uint32_t(VIGIL_SYNC_MAX_BLOCKS)});
  size_t bytes = kMessageOverhead + sizeof(vigil_sync_response) + (qc ? encoded_size(*qc) : 0);
  BlockId id = top;
  while (blocks.size() < max) {
    const Block* b = storage_.block(id);
    if (!b || b->hdr.height == 0 || b->hdr.height < q.from_height) break;
    Proposal p;
    p.block = *b;
    if (const QuorumCert* pq = storage_.qc_for(to_id(b->hdr.parent_id))) p.qc = *pq;
    size_t size = encoded_size(p);
    if (!blocks.empty() && bytes + size > config_.max_sync_response_bytes && !reverted_bytes) break;
    bytes += size;
    id = to_id(b->hdr.parent_id);
    blocks.push_back(std::move(p));
  }
  if (blocks.empty()) return;
  if (bytes > config_.max_message_bytes && !reverted_bytes) {
    ++counters_.sync_too_large;  // one block and its QCs: no peer would take it
    return;
  }
  std::reverse(blocks.begin(), blocks.end());
  if (qc) r.sync_response.qc = *qc;
  ++counters_.sync_served;
  out.push_back(SendAction{from, seal(r)});
}

void Core::on_sync_response(const Message& m, ValidatorIndex from, Actions& out) {
  const auto& blocks = m.sync_response.blocks;
  const auto& qc = m.sync_response.qc;
  if (blocks.empty()) return;
  for (size_t i = 1; i < blocks.size(); ++i) {
    const auto& lo = blocks[i - 1].block;
    const auto& hi = blocks[i].block.hdr;
    if (!same_id(hi.parent_id, lo.id.data()) || hi.height != lo.hdr.height + 1) {
      ++counters_.bad_proposal;
      return;
    }
  }
  // The chain is authentic when its top is a block we asked for (certified:
  // we saw its QC) or the one the enclosed, verified QC certifies (or its
  // parent, which the QC's signed data names).
  const BlockId& top = blocks.back().block.id;
  if (!sync_inflight_.count(top) &&
      !(qc && (qc->block_id() == top || to_id(qc->vote.parent_id) == top))) {
    ++counters_.stale;
    return;
  }
  for (const auto& p : blocks) {
    sync_inflight_.erase(p.block.id);
    if (!storage_.block(p.block.id)) storage_.put_block(p.block);
    // The QC a block carries certifies its parent: kept when verified.
    const BlockId parent = to_id(p.block.hdr.parent_id);
    if (p.qc.round() > 0 && p.qc.block_id() == parent && qc_verified(p.qc) &&
        !storage_.qc_for(parent))
      storage_.put_qc(p.qc);
  }
  const Block& low = blocks.front().block;
  if (low.hdr.height > committed_.height + 1 && !storage_.block(to_id(low.hdr.parent_id)))
    need_block(to_id(low.hdr.parent_id), from, out);
  sync_hint_ = from;
  if (qc) process_qc(*qc, from, out);
  try_commit(out);
}

// --- evidence ----------------------------------------------------------------

void Core::record_evidence(EvidenceKind kind, const Message& m, const Bytes& first,
                           const Bytes& second, Actions& out) {
  ++counters_.evidence;
  // One record per (validator, epoch, round, kind) is proof enough; a
  // validator's share is bounded so that it cannot crowd out the others.
  size_t mine = 0, my_bytes = 0, all_bytes = 0, size = first.size() + second.size();
  for (const Evidence& x : evidence_) {
    all_bytes += x.first.size() + x.second.size();
    if (x.validator != m.sender || x.epoch != m.epoch) continue;
    if (x.round == m.round && x.kind == kind) return;  // recorded already
    ++mine;
    my_bytes += x.first.size() + x.second.size();
  }
  if (evidence_.size() >= kMaxEvidence || mine >= kMaxEvidencePerValidator ||
      my_bytes + size > kMaxEvidenceBytesPerValidator || all_bytes + size > kMaxEvidenceBytes) {
    ++counters_.evidence_dropped;
    return;
  }
  Evidence e{kind, m.sender, m.epoch, m.round, first, second};
  log(out, describe(e));
  evidence_.push_back(std::move(e));
}

// --- output ------------------------------------------------------------------

Message Core::make_vote_msg(const vigil_vote_data& d) const {
  Message m;
  m.type = VIGIL_MSG_VOTE;
  m.epoch = d.epoch;
  m.round = d.round;
  m.sender = self();
  m.vote.data = d;
  return m;
}

Message Core::make_timeout_msg() const {
  Message m;
  m.type = VIGIL_MSG_TIMEOUT;
  m.epoch = epoch();
  m.round = round_;
  m.sender = self();
  m.timeout.data = vigil_timeout_data{epoch(), round_, high_qc_.round()};
  m.timeout.high_qc = high_qc_;
  if (last_tc_ && last_tc_->round + 1 == round_) m.timeout.tc = last_tc_;
  return m;
}

SharedBytes seal(Message& m, Signer& signer) {
  m.sig = Signature{};
  Bytes bytes = encode(m);
  m.sig = signer.sign(message_signing_bytes(m, bytes));
  std::memcpy(bytes.data() + bytes.size() - m.sig.size(), m.sig.data(), m.sig.size());
  return std::make_shared<const Bytes>(std::move(bytes));
}

void Core::persist_then(Release r, Actions& out) {
  if (pending_persist_.size() >= config_.max_pending_persist) {
    ++counters_.persist_queue_full;  // storage is stuck: sign nothing more
    return;
  }
  uint64_t id = next_request_++;
  pending_persist_.emplace(id, std::move(r));
  out.push_back(PersistAction{id, safety_.state()});
}

void Core::on_persisted(uint64_t request, Actions& out) {
  auto it = pending_persist_.find(request);
  if (it == pending_persist_.end()) return;
  Release r = std::move(it->second);
  pending_persist_.erase(it);
  release(r, out);
}

void Core::release(Release& r, Actions& out) {
  if (r.proposal) {
    Message& m = *r.proposal;
    if (m.epoch != epoch()) return;
    SharedBytes bytes = seal(m);
    ++counters_.proposals_sent;
    out.push_back(BroadcastAction{bytes});
    on_proposal(m, *bytes, out);  // our own vote goes the usual way
  }
  if (r.vote) {
    Message& m = *r.vote;
    if (m.epoch != epoch()) return;  // the epoch ended while it was persisted
    SharedBytes bytes = seal(m);
    ++counters_.votes_sent;
    ValidatorIndex to = vset().leader(m.round + 1);
    if (to == self())
      on_vote(m, *bytes, out);
    else
      out.push_back(SendAction{to, bytes});
  }
  if (r.timeout) {
    Message& m = *r.timeout;
    if (m.epoch != epoch()) return;
    SharedBytes bytes = seal(m);
    ++counters_.timeouts_sent;
    my_timeout_ = bytes;
    my_timeout_round_ = m.round;
    out.push_back(BroadcastAction{bytes});
    add_timeout(self(), m.timeout.data, m.sig, out);
  }
}

}  // namespace vigil::consensus
