// The simulator's engine: one event queue ordered by (tick, sequence), so
// a seed fixes every interleaving. See simulation.hpp for what it checks.
#include "host/consensus/sim/simulation.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <queue>
#include <tuple>
#include <utility>

#include "host/consensus/core.hpp"
#include "host/consensus/sim/mock_signer.hpp"
#include "host/consensus/sim/rng.hpp"

namespace vigil::consensus::sim {
namespace {

constexpr uint64_t kBaseTimeout = 40;  // ticks
constexpr uint32_t kMaxBackoffShift = 3;
constexpr uint64_t kPostGstMaxDelay = 5;  // well under the base timeout
constexpr uint64_t kNewBlocksAfterGst = 2;
constexpr uint64_t kTimeLimitAfterGst = 20000;
// With a sleeper: its catch-up takes a few hundred ticks, and a stalled one
// (large blocks) costs more to simulate.
constexpr uint64_t kSleeperTimeLimit = 6000;
// The network's message limit and what a sync response may carry, scaled
// down from the daemon's (kMaxMessageBytes) so that large blocks are cheap.
constexpr size_t kMaxMessage = 64u << 10;
constexpr size_t kSyncResponseBytes = 24u << 10;
constexpr size_t kLargeBlock = 8u << 10;  // honest blocks of large-block schedules
// Blocks per sync response, scaled down from VIGIL_SYNC_MAX_BLOCKS so that
// an epoch end past the window is reached in a few hundred rounds.
constexpr uint32_t kSyncBlocks = 16;

enum class Role : uint8_t { honest, equivocator, double_voter, garbage, twin, forger };

const char* role_name(Role r) {
  switch (r) {
    case Role::honest:
      return "honest";
    case Role::equivocator:
      return "equivocator";
    case Role::double_voter:
      return "double-voter";
    case Role::garbage:
      return "garbage";
    case Role::twin:
      return "twins";
    case Role::forger:
      return "forger";
  }
  return "?";
}

uint64_t le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

bool starts_with(ByteView b, const char* prefix) {
  size_t n = std::strlen(prefix);
  return b.size() >= n && std::memcmp(b.data(), prefix, n) == 0;
}

struct Instance {
  ValidatorIndex validator = 0;
  Role role = Role::honest;
  bool unsafe = false;
  std::unique_ptr<MemoryStorage> storage = std::make_unique<MemoryStorage>();
  std::unique_ptr<MockSigner> signer;
  std::unique_ptr<Core> core;
  bool up = false;
  uint64_t incarnation = 0;
  uint32_t group = 0;             // partition side while a partition holds
  std::vector<BlockId> chain;     // committed block ids; index = height
  uint64_t target_height = 0;     // liveness: height to reach after GST
  bool live = false;              // reached it
  std::vector<SharedBytes> sent;  // recent messages (stale replays)
  uint64_t last_persist = 0;      // when the last persist completes
  uint64_t quiet_until = 0;       // forger: until then its core talks to quiet_peer only
  uint32_t quiet_peer = 0;
  bool honest() const { return role == Role::honest; }
};

struct Ev {
  enum Kind : uint8_t { deliver, timer, persist, crash, restart, split, heal, gst };
  uint64_t time = 0, seq = 0;
  Kind kind = deliver;
  uint32_t inst = 0;
  uint64_t incarnation = 0;
  ValidatorIndex from = 0;
  SharedBytes bytes;
  uint64_t token = 0;
  std::shared_ptr<SafetyState> state;
  bool operator>(const Ev& o) const { return std::tie(time, seq) > std::tie(o.time, o.seq); }
};

class Sim {
 public:
  explicit Sim(const SimOptions& o) : opt_(o), rng_(o.seed) {}
  SimResult run();

 private:
  void plan();
  void boot(uint32_t i);
  void drive(uint32_t i, Actions&& acts);
  void route(uint32_t src, std::optional<ValidatorIndex> to, const SharedBytes& bytes);
  void transmit(uint32_t src, uint32_t dst, const SharedBytes& bytes, uint64_t hold = 0);
  void byzantine_extras(uint32_t src, std::optional<ValidatorIndex> to, const SharedBytes& bytes);
  void forge(uint32_t src, std::optional<ValidatorIndex> to, const SharedBytes& bytes,
             const Message& m);
  void forge_qc(uint32_t src);
  bool forge_tc(uint32_t src, const Message& proposal, const SharedBytes& bytes);
  SharedBytes lie_in_sync(uint32_t src, Message m);
  Signature garbage_sig();
  Block made_up_block(uint32_t src, Epoch e, Round r, uint64_t height, const BlockId& parent,
                      Bytes txs);
  void on_commit(uint32_t i, const CommitAction& c);
  void on_sign(uint32_t i, ByteView msg);
  void at_gst();
  bool all_live() const;
  void violation(std::string s);
  void push(Ev e) {
    e.seq = seq_++;
    queue_.push(std::move(e));
  }
  void trace(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));

  SimOptions opt_;
  Rng rng_;
  Genesis genesis_;
  std::vector<Instance> inst_;
  std::priority_queue<Ev, std::vector<Ev>, std::greater<Ev>> queue_;
  uint64_t seq_ = 0, now_ = 0;
  // faults before GST
  uint32_t drop_pm_ = 0, dup_pm_ = 0;
  uint64_t max_delay_ = 1, gst_ = 0;
  bool split_ = false, after_gst_ = false;
  uint64_t reconfig_height_ = 0;  // 0: none
  bool large_blocks_ = false;
  uint32_t sleeper_ = ~0u;  // an honest instance down from the start until GST
  uint64_t time_limit_ = kTimeLimitAfterGst;
  Round gst_round_ = 0;
  std::map<uint64_t, BlockId> canonical_;  // first honest commit at each height
  std::map<std::tuple<int, ValidatorIndex, Epoch, Round>, Bytes> signed_;
  SimResult res_;
};

void Sim::trace(const char* fmt, ...) const {
  if (!opt_.trace) return;
  va_list ap;
  va_start(ap, fmt);
  std::fprintf(stderr, "[t=%llu] ", (unsigned long long)now_);
  std::vfprintf(stderr, fmt, ap);
  std::fputc('\n', stderr);
  va_end(ap);
}

void Sim::violation(std::string s) {
  trace("VIOLATION %s", s.c_str());
  if (res_.violations.size() < 16) res_.violations.push_back(std::move(s));
}

// Draws the whole schedule from the seed: who is Byzantine and how, the
// network's faults, partitions, crashes, GST and an optional epoch change.
void Sim::plan() {
  const uint32_t n = opt_.nodes;
  for (uint32_t v = 0; v < n; ++v) genesis_.validators.keys.push_back(mock_key(opt_.seed, v));
  genesis_.validators.epoch = 1;

  std::vector<ValidatorIndex> order(n);
  for (uint32_t v = 0; v < n; ++v) order[v] = v;
  uint32_t first = opt_.unsafe_node ? 1 : 0;  // validator 0 stays honest
  for (uint32_t v = first; v < n; ++v) std::swap(order[v], order[v + rng_.below(n - v)]);
  std::vector<Role> roles(n, Role::honest);
  const uint32_t favour = opt_.revert_fixes | opt_.attacks;
  const bool certs = favour & (revert_qc_cache | revert_tc_cache);
  for (uint32_t k = 0; k < opt_.byzantine; ++k) {
    Role r = Role(1 + rng_.below(5));
    if (opt_.unsafe_node && k == 0) r = Role::equivocator;
    if (certs && k == 0) r = Role::forger;
    if (opt_.allow_over_f) r = Role::twin;  // more than f Twins: forks are possible
    roles[order[first + k]] = r;
  }
  for (uint32_t v = 0; v < n; ++v) {
    int copies = roles[v] == Role::twin ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      Instance in;
      in.validator = v;
      in.role = roles[v];
      in.unsafe = (opt_.unsafe_node && v == 0) || roles[v] == Role::equivocator ||
                  roles[v] == Role::double_voter;
      in.signer = std::make_unique<MockSigner>(genesis_.validators.keys[v]);
      in.chain.push_back(compute_block_id(genesis_block_hdr()));
      inst_.push_back(std::move(in));
    }
  }
  static constexpr uint32_t kDrop[] = {0, 20, 100, 300}, kDup[] = {0, 0, 30, 100};
  static constexpr uint64_t kDelay[] = {1, 5, 20, 60};
  drop_pm_ = kDrop[rng_.below(4)];
  dup_pm_ = kDup[rng_.below(4)];
  max_delay_ = kDelay[rng_.below(4)];
  gst_ = rng_.range(200, 1200);
  if (rng_.chance(250)) reconfig_height_ = rng_.range(2, 8);
  // Some schedules end the epoch past the sync window, or carry large
  // blocks, while one honest node sleeps until GST: it must then catch up
  // across the epoch end, or through responses bounded in bytes. The network
  // is kinder and GST later, so that the others get that far first.
  bool late = (favour & revert_epoch_sync) || rng_.chance(40);
  large_blocks_ = (favour & revert_sync_bytes) || rng_.chance(40);
  if (late || large_blocks_) {
    drop_pm_ = std::min<uint32_t>(drop_pm_, 20);
    max_delay_ = std::min<uint64_t>(max_delay_, 5);
    gst_ = rng_.range(1500, 2500);
  }
  if (late) {
    reconfig_height_ = rng_.range(kSyncBlocks + 6, kSyncBlocks + 26);
    gst_ = rng_.range(3000, 4000);
  }

  uint32_t parts = uint32_t(rng_.below(3)), crashes = uint32_t(rng_.below(3));
  for (uint32_t p = 0; p < parts; ++p) {
    Ev s;
    s.kind = Ev::split;
    s.time = rng_.below(gst_);
    Ev h = s;
    h.kind = Ev::heal;
    h.time = std::min(gst_, s.time + rng_.range(50, 400));
    push(s);
    push(h);
  }
  std::vector<uint32_t> honest;
  for (uint32_t i = 0; i < inst_.size(); ++i)
    if (inst_[i].honest() && !(opt_.unsafe_node && i == 0)) honest.push_back(i);
  if ((late || large_blocks_) && honest.size() >= 2) {
    size_t k = rng_.below(honest.size());
    sleeper_ = honest[k];
    time_limit_ = kSleeperTimeLimit;
    honest.erase(honest.begin() + ptrdiff_t(k));  // no other crash wakes it
    Ev e;
    e.kind = Ev::crash;
    e.inst = sleeper_;
    e.time = rng_.below(50);
    push(e);  // at_gst boots it
  }
  if (opt_.unsafe_node) honest.insert(honest.begin(), 0);
  for (uint32_t c = 0; c < crashes; ++c) {
    Ev e;
    e.kind = Ev::crash;
    e.inst = honest[rng_.below(honest.size())];
    e.time = rng_.below(gst_);
    Ev r = e;
    r.kind = Ev::restart;
    r.time = std::min(gst_, e.time + rng_.range(1, 300));
    push(e);
    push(r);
  }
  // Some schedules (and every one with the unsafe test switch) crash one
  // honest node again and again: only what it persisted survives each crash.
  if (opt_.unsafe_node || rng_.chance(125)) {
    uint32_t victim = opt_.unsafe_node ? 0 : honest[rng_.below(honest.size())];
    for (uint32_t c = 0; c < 40; ++c) {
      Ev e;
      e.kind = Ev::crash;
      e.inst = victim;
      e.time = rng_.below(gst_);
      Ev r = e;
      r.kind = Ev::restart;
      r.time = std::min(gst_, e.time + rng_.range(1, 10));
      push(e);
      push(r);
    }
    crashes += 40;
  }
  Ev g;
  g.kind = Ev::gst;
  g.time = gst_;
  push(g);

  char line[256];
  int len =
      std::snprintf(line, sizeof line,
                    "n=%u drop=%u%% dup=%u%% delay<=%llu gst=%llu partitions=%u crashes=%u "
                    "reconfig@%llu%s sleeper=%d byzantine:",
                    n, drop_pm_ / 10, dup_pm_ / 10, (unsigned long long)max_delay_,
                    (unsigned long long)gst_, parts, crashes, (unsigned long long)reconfig_height_,
                    large_blocks_ ? " large-blocks" : "", sleeper_ == ~0u ? -1 : int(sleeper_));
  res_.schedule.assign(line, size_t(len));
  for (uint32_t v = 0; v < n; ++v)
    if (roles[v] != Role::honest)
      res_.schedule += " " + std::to_string(v) + "=" + role_name(roles[v]);
  if (opt_.unsafe_node) res_.schedule += " (validator 0: safety rules OFF)";
  if (opt_.attacks) res_.schedule += " (attacks on: " + revert_fix_names(opt_.attacks) + ")";
  if (opt_.revert_fixes)
    res_.schedule += " (fixes reverted: " + revert_fix_names(opt_.revert_fixes) + ")";
}

void Sim::boot(uint32_t i) {
  Instance& in = inst_[i];
  CoreConfig cfg;
  cfg.base_timeout = kBaseTimeout;
  cfg.max_backoff_shift = kMaxBackoffShift;
  cfg.max_message_bytes = kMaxMessage;
  cfg.max_sync_response_bytes = kSyncResponseBytes;
  cfg.max_sync_blocks = kSyncBlocks;
  cfg.revert_fixes_for_test = opt_.revert_fixes;  // in the code every node runs
  const uint64_t reconfig = reconfig_height_;
  const auto keys = genesis_.validators.keys;
  // Large-block schedules: honest blocks of kLargeBlock, a forger's as
  // large as a proposal may be.
  size_t size = !large_blocks_            ? 8
                : in.role == Role::forger ? kMaxMessage - (4u << 10)
                                          : kLargeBlock;
  cfg.payload = [i, reconfig, keys, size](const vigil_block_hdr& h) {
    Payload p;
    if (reconfig && h.epoch == 1 && h.height >= reconfig) {
      p.frames = encode_reconfiguration(keys);  // same set, next epoch
    } else {
      p.frames.resize(size);
      for (size_t b = 0; b < size; ++b)
        p.frames[b] = uint8_t((uint64_t(i) + h.round) >> (8 * (b % 8)));
    }
    p.count = 1;
    return p;
  };
  if (in.honest()) in.signer->on_sign = [this, i](ByteView m) { on_sign(i, m); };
  in.core = std::make_unique<Core>(std::move(cfg), genesis_, *in.storage, *in.signer);
  if (in.unsafe) in.core->safety_rules_for_test().set_enforcing_for_test(false);
  in.up = true;
  ++in.incarnation;
  Actions acts;
  in.core->start(acts);
  drive(i, std::move(acts));
}

void Sim::drive(uint32_t i, Actions&& first) {
  std::deque<Action> work(std::make_move_iterator(first.begin()),
                          std::make_move_iterator(first.end()));
  Actions more;
  while (!work.empty()) {
    Action a = std::move(work.front());
    work.pop_front();
    Instance& in = inst_[i];
    if (auto* s = std::get_if<SendAction>(&a)) {
      route(i, s->to, s->bytes);
    } else if (auto* b = std::get_if<BroadcastAction>(&a)) {
      route(i, std::nullopt, b->bytes);
    } else if (auto* t = std::get_if<SetTimerAction>(&a)) {
      Ev e;
      e.kind = Ev::timer;
      e.time = now_ + t->delay;
      e.inst = i;
      e.incarnation = in.incarnation;
      e.token = t->token;
      push(std::move(e));
    } else if (auto* v = std::get_if<VerifyAction>(&a)) {
      std::vector<uint8_t> valid;
      valid.reserve(v->items.size());
      for (const auto& item : v->items) valid.push_back(mock_verify(item) ? 1 : 0);
      more.clear();
      in.core->on_verified(v->request, valid, more);
      for (auto& m : more) work.push_back(std::move(m));
    } else if (auto* p = std::get_if<PersistAction>(&a)) {
      Ev e;
      e.kind = Ev::persist;
      // Writes complete in the order issued (a later snapshot must never be
      // overwritten by an earlier one): same tick, FIFO by sequence number.
      e.time = in.last_persist = std::max(in.last_persist, now_ + rng_.below(3));
      e.inst = i;
      e.incarnation = in.incarnation;
      e.token = p->request;
      e.state = std::make_shared<SafetyState>(p->state);
      push(std::move(e));
    } else if (auto* c = std::get_if<CommitAction>(&a)) {
      on_commit(i, *c);
    } else if (auto* l = std::get_if<LogAction>(&a)) {
      trace("node %u: %s", i, l->line.c_str());
    }
  }
}

void Sim::route(uint32_t src, std::optional<ValidatorIndex> to, const SharedBytes& bytes) {
  Instance& s = inst_[src];
  if (s.role != Role::honest && s.role != Role::twin) return byzantine_extras(src, to, bytes);
  for (uint32_t d = 0; d < inst_.size(); ++d)
    if (d != src && (!to || inst_[d].validator == *to)) transmit(src, d, bytes);
}

// What a Byzantine validator does with a message its own core wants sent.
void Sim::byzantine_extras(uint32_t src, std::optional<ValidatorIndex> to,
                           const SharedBytes& bytes) {
  Instance& s = inst_[src];
  auto targets = [&](auto&& each) {
    for (uint32_t d = 0; d < inst_.size(); ++d)
      if (d != src && (!to || inst_[d].validator == *to)) each(d);
  };
  Message m;
  bool decoded = decode(*bytes, m) == ParseError::ok;
  if (s.role == Role::forger && decoded) return forge(src, to, bytes, m);
  if (s.role == Role::equivocator && decoded && m.type == VIGIL_MSG_PROPOSAL) {
    // A second block for the round; each peer gets one, the other or both.
    Message other = m;
    Block& b = other.proposal.block;
    b.txs.push_back('E');
    b.hdr.tx_count += 1;
    b = make_block(b.hdr, std::move(b.txs));
    SharedBytes alt = seal(other, *s.signer);
    // The second one may come a while later, as a Byzantine sender can
    // hold a message back.
    return targets([&](uint32_t d) {
      uint64_t pick = rng_.below(3);
      if (pick != 1) transmit(src, d, bytes);
      if (pick != 0) transmit(src, d, alt, pick == 2 ? rng_.below(kBaseTimeout) : 0);
    });
  }
  if (s.role == Role::double_voter && decoded && m.type == VIGIL_MSG_VOTE) {
    Message other = m;
    other.vote.data.block_id[rng_.below(VIGIL_HASH_LEN)] ^= 0x5a;
    SharedBytes alt = seal(other, *s.signer);
    targets([&](uint32_t d) {
      transmit(src, d, bytes);
      transmit(src, d, alt);
    });
    return;
  }
  targets([&](uint32_t d) { transmit(src, d, bytes); });
  if (s.role != Role::garbage) return;
  s.sent.push_back(bytes);
  if (s.sent.size() > 32) s.sent.erase(s.sent.begin());
  // Junk: random bytes, a mutated or truncated copy, or a stale replay.
  for (int k = 0; k < 2; ++k) {
    uint32_t d = uint32_t(rng_.below(inst_.size()));
    if (d == src) continue;
    Bytes junk;
    switch (rng_.below(4)) {
      case 0:
        junk.resize(rng_.below(300));
        for (auto& b : junk) b = uint8_t(rng_.next());
        break;
      case 1:
        junk = *bytes;
        for (int f = 0; f < 3; ++f) junk[rng_.below(junk.size())] ^= uint8_t(1 + rng_.below(255));
        break;
      case 2:
        junk.assign(bytes->begin(), bytes->begin() + ptrdiff_t(rng_.below(bytes->size())));
        break;
      default:
        junk = *s.sent[rng_.below(s.sent.size())];
        break;
    }
    transmit(src, d, std::make_shared<const Bytes>(std::move(junk)));
  }
}

Signature Sim::garbage_sig() {
  Signature sig;
  for (auto& b : sig) b = uint8_t(rng_.next());
  return sig;
}

Block Sim::made_up_block(uint32_t src, Epoch e, Round r, uint64_t height, const BlockId& parent,
                         Bytes txs) {
  return make_block(e, r, height, parent, inst_[src].validator, std::move(txs));
}

// A forger runs an honest core and attacks around it: it replays verified
// certificates with altered fields, forges them with garbage signatures,
// lies in sync responses, and, leading a round, hides the QC it formed from
// all but one node and offers the others a block on an older QC with a TC
// whose entries it made up (the attack of issue 10, finding 2).
void Sim::forge(uint32_t src, std::optional<ValidatorIndex> to, const SharedBytes& bytes,
                const Message& m) {
  Instance& s = inst_[src];
  auto targets = [&](auto&& each) {
    for (uint32_t d = 0; d < inst_.size(); ++d)
      if (d != src && (!to || inst_[d].validator == *to)) each(d);
  };
  if (now_ < s.quiet_until) {  // hiding a QC: only the one node that has it hears more
    targets([&](uint32_t d) {
      if (d == s.quiet_peer) transmit(src, d, bytes);
    });
    return;
  }
  if (m.type == VIGIL_MSG_PROPOSAL && m.proposal.qc.round() + 1 == m.round && rng_.chance(500) &&
      forge_tc(src, m, bytes))
    return;
  SharedBytes out = bytes;
  if (m.type == VIGIL_MSG_SYNC_RESPONSE && rng_.chance(500)) out = lie_in_sync(src, m);
  targets([&](uint32_t d) { transmit(src, d, out); });
  if (rng_.chance(200)) forge_qc(src);
}

// A sync response to every node: a made-up block at the forger's next
// height (reconfiguring to the forger's key) and a QC that names it, made
// from the forger's highest QC with altered fields: its verified signatures
// over other data, or garbage ones. Half carry a newer epoch's header, so
// that the sender's own signature cannot be checked.
void Sim::forge_qc(uint32_t src) {
  Instance& s = inst_[src];
  QuorumCert q = s.core->high_qc();
  if (q.round() == 0) return;
  const CommittedTip tip = s.core->committed();
  Epoch e = q.vote.epoch;
  std::vector<PublicKey> mine(opt_.nodes, s.signer->public_key());
  Block y = made_up_block(src, e, q.round() - 1, tip.height + 1, tip.id,
                          rng_.chance(500) ? encode_reconfiguration(mine) : Bytes{'Y', 'Y'});
  QuorumCert f = q;
  switch (rng_.below(3)) {
    case 0:  // the verified signatures, over a parent they never signed
      std::memcpy(f.vote.parent_id, y.id.data(), VIGIL_HASH_LEN);
      f.vote.parent_round = q.round() - 1;
      f.vote.height = y.hdr.height + 1;
      break;
    case 1:  // the same, with garbage signatures
      std::memcpy(f.vote.parent_id, y.id.data(), VIGIL_HASH_LEN);
      f.vote.parent_round = q.round() - 1;
      f.vote.height = y.hdr.height + 1;
      for (auto& sig : f.sigs) sig = garbage_sig();
      break;
    default:  // a QC of the next round for the made-up block, garbage signed
      std::memcpy(f.vote.block_id, y.id.data(), VIGIL_HASH_LEN);
      f.vote.round = q.round() + 1;
      f.vote.height = y.hdr.height;
      std::memcpy(f.vote.parent_id, tip.id.data(), VIGIL_HASH_LEN);
      for (auto& sig : f.sigs) sig = garbage_sig();
      break;
  }
  bool future = rng_.chance(500);
  ValidatorIndex sender = future ? ValidatorIndex(rng_.below(VIGIL_MAX_VALIDATORS)) : s.validator;
  Message r = make_message(VIGIL_MSG_SYNC_RESPONSE, future ? e + 1 : e, s.core->round(), sender);
  r.sync_response.blocks.push_back(Proposal{y, q, {}});
  r.sync_response.qc = f;
  SharedBytes bytes = seal(r, *s.signer);
  for (uint32_t d = 0; d < inst_.size(); ++d)
    if (d != src) transmit(src, d, bytes);
}

// A made-up top block in place of the real one, or the response's QC
// altered to name it.
SharedBytes Sim::lie_in_sync(uint32_t src, Message m) {
  auto& blocks = m.sync_response.blocks;
  if (blocks.empty()) return seal(m, *inst_[src].signer);
  Block& top = blocks.back().block;
  top = made_up_block(src, top.hdr.epoch, top.hdr.round, top.hdr.height, to_id(top.hdr.parent_id),
                      Bytes{'L', 'I', 'E'});
  if (m.sync_response.qc && rng_.chance(500)) {
    QuorumCert& qc = *m.sync_response.qc;
    std::memcpy(qc.vote.parent_id, top.id.data(), VIGIL_HASH_LEN);
    qc.vote.height = top.hdr.height + 1;
  }
  return seal(m, *inst_[src].signer);
}

// The forger leads round R and its core proposes A_R on QC_r (r = R - 1),
// which commits A_{r-1}. Only one node X (not the next leader) gets it; the
// others get the forger's timeout for r and form TC_r, and later B_R at
// A_{r-1}'s height on the QC of A_{r-2}, with a TC_r whose entries claim
// that QC's round, and the forger's vote for B_R. A node that trusted TC_r
// for the round alone would vote for B_R, and its commit would fork from X's.
bool Sim::forge_tc(uint32_t src, const Message& proposal, const SharedBytes& bytes) {
  Instance& s = inst_[src];
  const QuorumCert& qr = proposal.proposal.qc;
  const Block* prev = s.storage->block(to_id(qr.vote.parent_id));
  if (!prev || prev->hdr.height == 0) return false;
  const QuorumCert* q_prev = s.storage->qc_for(prev->id);
  const QuorumCert* q_base = s.storage->qc_for(to_id(prev->hdr.parent_id));
  if (!q_prev || !q_base) return false;
  const Epoch e = proposal.epoch;
  const Round r = qr.round(), R = proposal.round;
  const ValidatorIndex next = ValidatorIndex((R + 1) % opt_.nodes);
  std::vector<uint32_t> others;
  for (uint32_t d = 0; d < inst_.size(); ++d)
    if (d != src && inst_[d].validator != next && inst_[d].validator != s.validator)
      others.push_back(d);
  if (others.empty()) return false;
  const uint32_t x = others[rng_.below(others.size())];
  transmit(src, x, bytes);

  Message t = make_message(VIGIL_MSG_TIMEOUT, e, r, s.validator);
  t.timeout.data = vigil_timeout_data{e, r, q_prev->round()};
  t.timeout.high_qc = *q_prev;
  SharedBytes timeout = seal(t, *s.signer);

  Message b = make_message(VIGIL_MSG_PROPOSAL, e, R, s.validator);
  b.proposal.block = made_up_block(src, e, R, prev->hdr.height, to_id(prev->hdr.parent_id),
                                   Bytes{'B', uint8_t(R)});
  b.proposal.qc = *q_base;
  TimeoutCert& tc = b.proposal.tc.emplace();
  tc.epoch = e;
  tc.round = r;
  uint32_t quorum = opt_.nodes - (opt_.nodes - 1) / 3;
  for (ValidatorIndex v = 0; v < quorum; ++v) {
    tc.signers.add(v);
    tc.entries.push_back({q_base->round(), garbage_sig()});
  }
  SharedBytes block = seal(b, *s.signer);

  Message v = make_message(VIGIL_MSG_VOTE, e, R, s.validator);
  vigil_vote_data& d = v.vote.data;
  std::memcpy(d.block_id, b.proposal.block.id.data(), VIGIL_HASH_LEN);
  d.epoch = e;
  d.round = R;
  d.height = prev->hdr.height;
  std::memcpy(d.parent_id, prev->hdr.parent_id, VIGIL_HASH_LEN);
  d.parent_round = q_base->round();
  SharedBytes vote = seal(v, *s.signer);

  const uint64_t hold = rng_.range(60, 200);
  for (uint32_t d2 = 0; d2 < inst_.size(); ++d2) {
    if (d2 == src || d2 == x) continue;
    transmit(src, d2, timeout);
    transmit(src, d2, block, hold);
    if (inst_[d2].validator == next) transmit(src, d2, vote, hold + 5);
  }
  s.quiet_until = now_ + hold + 2 * kBaseTimeout;
  s.quiet_peer = x;
  return true;
}

void Sim::transmit(uint32_t src, uint32_t dst, const SharedBytes& bytes, uint64_t hold) {
  if (!after_gst_) {
    if (split_ && inst_[src].group != inst_[dst].group) return;
    if (rng_.chance(drop_pm_)) return;
  }
  int copies = !after_gst_ && rng_.chance(dup_pm_) ? 2 : 1;
  for (int c = 0; c < copies; ++c) {
    Ev e;
    e.kind = Ev::deliver;
    e.time = now_ + hold + rng_.range(1, after_gst_ ? kPostGstMaxDelay : max_delay_);
    e.inst = dst;
    e.from = inst_[src].validator;
    e.bytes = bytes;
    push(std::move(e));
  }
}

void Sim::on_commit(uint32_t i, const CommitAction& c) {
  Instance& in = inst_[i];
  for (const Block& b : c.blocks) {
    if (b.hdr.height != in.chain.size()) {
      violation("node " + std::to_string(i) + " committed height " + std::to_string(b.hdr.height) +
                " after height " + std::to_string(in.chain.size() - 1) + " (not contiguous)");
      return;
    }
    in.chain.push_back(b.id);
    if (!in.honest()) continue;
    auto [it, fresh] = canonical_.try_emplace(b.hdr.height, b.id);
    if (!fresh && it->second != b.id)
      violation("safety: two different blocks committed at height " + std::to_string(b.hdr.height) +
                " (node " + std::to_string(i) + ")");
  }
  if (after_gst_ && in.honest() && !in.live && in.chain.size() - 1 >= in.target_height) {
    in.live = true;
    Round r = in.core->round();
    res_.gst_rounds = std::max<uint64_t>(res_.gst_rounds, r > gst_round_ ? r - gst_round_ : 0);
    // Bound: enough rounds for every leader slot twice plus catching up.
    Round bound = 4 * opt_.nodes + 12;
    if (r > gst_round_ + bound)
      violation("liveness: node " + std::to_string(i) + " needed " +
                std::to_string(r - gst_round_) + " rounds after GST (bound " +
                std::to_string(bound) + ")");
  }
}

// Every message an honest validator signs: two different ones of a kind for
// one (epoch, round) is a double-sign.
void Sim::on_sign(uint32_t i, ByteView m) {
  int kind = 0;
  Epoch e = 0;
  Round r = 0;
  Bytes what;
  size_t d;
  if (starts_with(m, VIGIL_DOMAIN_VOTE) && m.size() == (d = sizeof VIGIL_DOMAIN_VOTE - 1) + 96) {
    kind = 1;
    e = le64(&m[d + 32]);
    r = le64(&m[d + 40]);
    what.assign(m.begin() + ptrdiff_t(d), m.begin() + ptrdiff_t(d + 32));
  } else if (starts_with(m, VIGIL_DOMAIN_TIMEOUT) &&
             m.size() == (d = sizeof VIGIL_DOMAIN_TIMEOUT - 1) + 24) {
    kind = 2;
    e = le64(&m[d]);
    r = le64(&m[d + 8]);
    what.assign(m.begin() + ptrdiff_t(d + 16), m.end());
  } else if (starts_with(m, VIGIL_DOMAIN_PROPOSAL) &&
             m.size() >= (d = sizeof VIGIL_DOMAIN_PROPOSAL - 1) + 32 + 128) {
    kind = 3;
    e = le64(&m[d + 8]);
    r = le64(&m[d + 16]);
    what.assign(m.begin() + ptrdiff_t(d + 32), m.begin() + ptrdiff_t(d + 32 + 128));
  } else {
    return;
  }
  ValidatorIndex v = inst_[i].validator;
  auto [it, fresh] = signed_.try_emplace({kind, v, e, r}, what);
  static const char* kKinds[] = {"", "votes", "timeouts", "proposals"};
  if (!fresh && it->second != what)
    violation("honest validator " + std::to_string(v) + " signed two conflicting " + kKinds[kind] +
              " for epoch " + std::to_string(e) + " round " + std::to_string(r));
}

void Sim::at_gst() {
  after_gst_ = true;
  split_ = false;
  for (uint32_t i = 0; i < inst_.size(); ++i)
    if (inst_[i].honest() && !inst_[i].up) boot(i);
  for (auto& in : inst_) {
    if (!in.honest()) continue;
    gst_round_ = std::max(gst_round_, in.core->round());
    in.target_height = in.chain.size() - 1 + kNewBlocksAfterGst;
  }
}

bool Sim::all_live() const {
  for (const auto& in : inst_)
    if (in.honest() && !in.live) return false;
  return true;
}

SimResult Sim::run() {
  res_.seed = opt_.seed;
  uint32_t f = opt_.nodes == 0 ? 0 : (opt_.nodes - 1) / 3;
  if (opt_.nodes < 1 || opt_.nodes > VIGIL_MAX_VALIDATORS ||
      (opt_.byzantine > f && !opt_.allow_over_f) || opt_.byzantine >= opt_.nodes) {
    violation("bad options: byzantine must be at most (nodes - 1) / 3");
    return res_;
  }
  plan();
  trace("schedule: %s", res_.schedule.c_str());
  for (uint32_t i = 0; i < inst_.size(); ++i) boot(i);
  while (!queue_.empty()) {
    Ev e = queue_.top();
    queue_.pop();
    now_ = e.time;
    if (after_gst_ && (all_live() || now_ > gst_ + time_limit_)) break;
    if (!res_.violations.empty()) break;  // the first one fails the seed; replay shows it
    Instance& in = inst_[e.inst];
    Actions acts;
    switch (e.kind) {
      case Ev::deliver:
        if (!in.up) break;
        ++res_.messages;
        in.core->on_message(e.from, *e.bytes, acts);
        break;
      case Ev::timer:
        if (in.up && e.incarnation == in.incarnation) in.core->on_timer(e.token, acts);
        break;
      case Ev::persist:
        // Written and synced now; a crash before this tick loses it, and
        // then the vote or timeout it held back was never sent.
        if (!in.up || e.incarnation != in.incarnation) break;
        in.storage->save_safety(*e.state);
        in.core->on_persisted(e.token, acts);
        break;
      case Ev::crash:
        if (!in.up) break;
        trace("crash node %u", e.inst);
        in.up = false;
        in.core.reset();
        break;
      case Ev::restart:
        if (in.up) break;
        trace("restart node %u", e.inst);
        boot(e.inst);
        break;
      case Ev::split:
        split_ = true;
        for (auto& x : inst_) x.group = uint32_t(rng_.below(2));
        trace("partition");
        break;
      case Ev::heal:
        split_ = false;
        trace("heal");
        break;
      case Ev::gst:
        trace("GST");
        at_gst();
        break;
    }
    if (!acts.empty()) drive(e.inst, std::move(acts));
  }
  std::vector<Evidence> evidence;
  res_.min_height = ~0ull;
  const bool stopped_early = !res_.violations.empty();
  for (uint32_t i = 0; i < inst_.size(); ++i) {
    const Instance& in = inst_[i];
    if (!in.honest()) continue;
    if (!in.live && !stopped_early)
      violation("liveness: node " + std::to_string(i) + " committed height " +
                std::to_string(in.chain.size() - 1) + ", wanted " +
                std::to_string(in.target_height) + " within " + std::to_string(time_limit_) +
                " ticks after GST");
    res_.min_height = std::min<uint64_t>(res_.min_height, in.chain.size() - 1);
    res_.max_height = std::max<uint64_t>(res_.max_height, in.chain.size() - 1);
    if (!in.core) continue;
    const CoreCounters& c = in.core->counters();
    trace(
        "node %u: round %llu height %zu hqc %llu | stale %llu bad_sig %llu bad_cert %llu "
        "bad_prop %llu refusals %llu sync_req %llu served %llu qcs %llu tcs %llu conflict %llu",
        i, (unsigned long long)in.core->round(), in.chain.size() - 1,
        (unsigned long long)in.core->high_qc().round(), (unsigned long long)c.stale,
        (unsigned long long)c.bad_signature, (unsigned long long)c.bad_certificate,
        (unsigned long long)c.bad_proposal, (unsigned long long)c.safety_refusals,
        (unsigned long long)c.sync_requests, (unsigned long long)c.sync_served,
        (unsigned long long)c.qcs_formed, (unsigned long long)c.tcs_formed,
        (unsigned long long)c.conflicting_commit);
    res_.max_round = std::max(res_.max_round, in.core->round());
    res_.epochs += c.epochs;
    for (uint64_t p : c.parse_drops) res_.parse_drops += p;
    for (const Evidence& ev : in.core->evidence()) {
      if (inst_[0].validator <= ev.validator && ev.validator < opt_.nodes) {
        bool accused_honest = false;
        for (const auto& x : inst_)
          if (x.validator == ev.validator && x.honest()) accused_honest = true;
        if (accused_honest)
          violation("honest validator " + std::to_string(ev.validator) +
                    " accused of equivocation by node " + std::to_string(i));
      }
      evidence.push_back(ev);
    }
  }
  res_.evidence = evidence.size();
  if (!evidence.empty()) res_.evidence_file = serialize_evidence(evidence);
  return res_;
}

}  // namespace

SimResult run_schedule(const SimOptions& options) {
  return Sim(options).run();
}

namespace {
constexpr std::pair<const char*, uint32_t> kRevertFixes[] = {{"qc-cache", revert_qc_cache},
                                                             {"tc-cache", revert_tc_cache},
                                                             {"epoch-sync", revert_epoch_sync},
                                                             {"sync-bytes", revert_sync_bytes}};
}  // namespace

uint32_t revert_fix_bit(const std::string& name) {
  for (const auto& [n, bit] : kRevertFixes)
    if (name == n) return bit;
  return 0;
}

std::string revert_fix_names(uint32_t bits) {
  std::string out;
  for (const auto& [n, bit] : kRevertFixes)
    if (bits & bit) out += (out.empty() ? "" : ",") + std::string(n);
  return out;
}

std::string replay_command(const SimOptions& o) {
  std::string reverts;
  for (const auto& [n, bit] : kRevertFixes) {
    if (o.revert_fixes & bit) reverts += " --revert-fix " + std::string(n);
    if (o.attacks & bit) reverts += " --attack " + std::string(n);
  }
  return "vigil sim --nodes " + std::to_string(o.nodes) + " --byzantine " +
         std::to_string(o.byzantine) + " --seeds 1 --from " + std::to_string(o.seed) +
         (o.unsafe_node ? " --unsafe-node" : "") + (o.allow_over_f ? " --over-f" : "") + reverts +
         " --trace";
}

}  // namespace vigil::consensus::sim
