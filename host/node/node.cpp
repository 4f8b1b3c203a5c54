#include "host/node/node.hpp"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "drivers/accel/accelerator.hpp"
#include "drivers/net/udp_port.hpp"
#include "host/batch/batcher.hpp"
#include "host/consensus/core.hpp"
#include "host/consensus/wire.hpp"
#include "host/crypto/sig_jsonl.hpp"
#include "host/ingest/ingest.hpp"
#include "host/mempool/mempool.hpp"
#include "host/metrics/metrics.hpp"
#include "host/node/chain_state.hpp"
#include "host/node/idle.hpp"
#include "host/p2p/network.hpp"
#include "host/rpc/http_server.hpp"
#include "host/statuspage/status_page.hpp"

namespace vigil::node {
namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;
using metrics::Metrics;

class EdSigner final : public consensus::Signer {
 public:
  explicit EdSigner(const crypto::Keypair& k) : key_(k) {}
  consensus::PublicKey public_key() const override { return key_.public_key; }
  consensus::Signature sign(consensus::ByteView m) override { return crypto::sign(key_, m); }

 private:
  crypto::Keypair key_;
};

uint64_t now_ns() {
  return uint64_t(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

std::string hex(const uint8_t* p, size_t n) {
  return crypto::to_hex(p, n);
}

template <size_t N>
bool parse_hex(const std::string& s, std::array<uint8_t, N>* out) {
  std::vector<uint8_t> b;
  if (!crypto::from_hex(s, b) || b.size() != N) return false;
  std::copy(b.begin(), b.end(), out->begin());
  return true;
}

bool parse_ipv4(const std::string& hostport, uint32_t* addr, uint16_t* port) {
  std::string host;
  in_addr a{};
  if (!p2p::split_host_port(hostport, &host, port) || inet_pton(AF_INET, host.c_str(), &a) != 1)
    return false;
  *addr = ntohl(a.s_addr);
  return true;
}

// A bounded multi-producer queue with a drop counter (peer messages and
// client frames into a tile).
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}
  bool push(T v) {
    std::lock_guard lk(mu_);
    if (q_.size() >= capacity_) {
      ++dropped_;
      return false;
    }
    q_.push_back(std::move(v));
    cv_.notify_one();
    return true;
  }
  // Moves everything out, waiting up to `until` for the first item.
  size_t drain(std::deque<T>& out, Clock::time_point until) {
    std::unique_lock lk(mu_);
    cv_.wait_until(lk, until, [&] { return !q_.empty() || woken_; });
    woken_ = false;
    const size_t n = q_.size();
    for (auto& v : q_) out.push_back(std::move(v));
    q_.clear();
    return n;
  }
  size_t try_drain(std::deque<T>& out) { return drain(out, Clock::now()); }
  void wake() {
    std::lock_guard lk(mu_);
    woken_ = true;
    cv_.notify_one();
  }
  size_t size() const {
    std::lock_guard lk(mu_);
    return q_.size();
  }
  uint64_t dropped() const {
    std::lock_guard lk(mu_);
    return dropped_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<T> q_;
  size_t capacity_;
  uint64_t dropped_ = 0;
  bool woken_ = false;
};

struct PeerMessage {
  uint32_t from;
  std::vector<uint8_t> bytes;
};

}  // namespace

struct Node::Impl {
  NodeSetup s;
  uint32_t self = 0;
  Clock::time_point t0 = Clock::now();
  std::atomic<bool> intake{true}, verify_stop{false}, running{true}, stopped{false};

  // components
  std::unique_ptr<accel::Accelerator> accel;
  std::unique_ptr<net::UdpPort> port;
  std::unique_ptr<ingest::Ingest> ingest;
  std::unique_ptr<batch::Batcher> batcher;
  batch::SpscRing<uint32_t> invalid_sources{4096};  // verify tile -> net tile
  BoundedQueue<std::vector<uint8_t>> posted{4096};  // POST /tx -> net tile
  BoundedQueue<PeerMessage> events;                 // p2p -> consensus
  std::mutex pool_mu;
  mempool::Mempool pool;
  mutable std::mutex state_mu;
  std::unique_ptr<ChainState> state;
  std::deque<Sig> rejected_order;  // signatures that failed verification, bounded
  std::map<Sig, bool> rejected;
  std::unique_ptr<EdSigner> signer;
  std::unique_ptr<consensus::Core> core;
  std::unique_ptr<p2p::Network> network;
  std::unique_ptr<rpc::HttpServer> http;
  Metrics m;
  std::string engine_name;
  std::thread net_thread, verify_thread, consensus_thread;

  // status snapshot for /status (consensus thread writes)
  struct Status {
    uint64_t epoch = 0, round = 0, height = 0;
    consensus::BlockId block_id{};
  };
  std::mutex status_mu;
  Status status;

  // metrics
  prometheus::Gauge *g_round, *g_height, *g_epoch, *g_peers, *g_mempool, *g_events_depth,
      *g_batch_depth;
  prometheus::Histogram *h_commit, *h_batch_size, *h_verify_tx, *h_verify_block, *h_verify_msg;
  prometheus::Counter *c_committed_txs, *c_rejected_txs, *c_blocks, *c_evidence, *c_faults,
      *c_events_dropped, *c_valid, *c_invalid, *c_invalid_proposals, *c_proposal_bad_frames,
      *c_invalid_sources_dropped;

  explicit Impl(NodeSetup setup)
      : s(std::move(setup)),
        events(s.cfg.queue_consensus_events),
        pool(mempool::MempoolConfig{.capacity = s.cfg.queue_mempool}) {}

  uint64_t tick() const {
    return uint64_t(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count());
  }

  bool start(std::string* error);
  void stop();
  void register_metrics();
  void net_tile();
  void verify_tile();
  void consensus_tile();
  void run_actions(consensus::Actions& actions, std::optional<Clock::time_point>& timer,
                   uint64_t& timer_token);
  bool verify_items(const std::vector<crypto::VerifyItem>& items, std::vector<uint8_t>* valid,
                    prometheus::Histogram* latency);
  bool check_proposal_frames(const std::vector<uint8_t>& bytes);
  void on_commit(std::vector<Applied> applied, const std::string& error);
  void publish_consensus();
  rpc::Response handle(const rpc::Request& r);
  rpc::Response status_json();
  rpc::Response block_json(const std::string& h);
  rpc::Response tx_json(const std::string& sig_hex);
  rpc::Response account_json(const std::string& pk_hex, bool proof);

  std::map<consensus::BlockId, Clock::time_point> first_seen;  // commit latency, bounded
};

// --- start / stop ------------------------------------------------------------

bool Node::Impl::start(std::string* error) {
  const auto& c = s.cfg;
  for (uint32_t i = 0; i < s.genesis.validators.size(); ++i)
    if (s.genesis.validators[i].key == s.key.public_key) self = i;
  if (s.genesis.validators[self].key != s.key.public_key) {
    *error = c.key_file + ": this key is not one of the genesis validators";
    return false;
  }
  state = ChainState::open(c.data_dir, s.genesis, error);
  if (!state) return false;

  accel::Options ao;
  ao.max_batch = std::max<uint32_t>(c.batch_size, VIGIL_BLOCK_MAX_TXS);
  ao.max_msg_bytes = 16u << 20;
  ao.workers = 1;
  ao.express_slots = 1;
  accel = accel::make_accelerator(c.engine, ao, error);
  if (!accel) return false;
  engine_name = accel->capabilities().name;

  uint32_t addr = 0;
  uint16_t udp_port = 0;
  if (!parse_ipv4(c.listen_udp, &addr, &udp_port)) {
    *error = c.file + ": key 'listen.udp': needs an IPv4 address";
    return false;
  }
  if (c.port != config::PortKind::udp) {
    *error = c.file + ": key 'packet.port': only \"udp\" is wired into vigild so far";
    return false;
  }
  std::string perr;
  port = net::UdpPort::open({.bind_addr = addr, .bind_port = udp_port, .reuse_port = false}, perr);
  if (!port) {
    *error = "cannot open udp " + c.listen_udp + ": " + perr;
    return false;
  }
  ingest::IngestConfig ic;
  ic.dedup_depth = 1 << 18;
  ic.by_source = {.entries = 1 << 14, .rate_per_sec = c.source_rate, .burst = c.source_burst};
  ic.by_key = {.entries = 1 << 14, .rate_per_sec = c.key_rate, .burst = c.key_burst};
  ingest = std::make_unique<ingest::Ingest>(ic);
  batcher = std::make_unique<batch::Batcher>(batch::BatcherConfig{
      .max_items = c.batch_size,
      .max_msg_bytes = c.batch_size * uint32_t(ingest::signed_message_size(256)),
      .deadline_us = c.batch_deadline_us,
      .pool = 8,
      .rules = c.rules == "strict" ? VIGIL_RULES_STRICT : VIGIL_RULES_ZIP215});

  consensus::Genesis g;
  for (const auto& v : s.genesis.validators) g.validators.keys.push_back(v.key);
  signer = std::make_unique<EdSigner>(s.key);
  consensus::CoreConfig cc;
  cc.base_timeout = c.round_timeout_ms;
  cc.payload = [this](const vigil_block_hdr& h) {
    consensus::Payload p;
    auto root = state->state_after(consensus::to_id(h.parent_id));
    if (!root) return p.skip = true, p;
    p.state_root = *root;
    {
      std::lock_guard lk(pool_mu);
      p.frames = pool.take(s.cfg.block_max_txs, size_t(8) << 20, &p.count);
    }
    state->note_verified(consensus::compute_tx_root(p.frames));  // verified on entry
    return p;
  };
  cc.check_block = [this](const consensus::Block& b) { return state->check(b); };
  cc.next_validators = [this](const consensus::Block& b) { return state->next_validators(b); };
  core = std::make_unique<consensus::Core>(cc, g, *state, *signer);

  p2p::NetworkConfig nc;
  nc.identity.chain_id = s.genesis.chain_id;
  nc.identity.key = s.key;
  nc.identity.validators = g.validators.keys;
  nc.listen = c.listen_p2p;
  for (const auto& v : s.genesis.validators) nc.peers.push_back(v.p2p);
  nc.send_queue_messages = c.queue_peer_send;
  network = std::make_unique<p2p::Network>(
      nc,
      [this](uint32_t from, std::vector<uint8_t>&& b) {
        if (!events.push({from, std::move(b)})) c_events_dropped->Increment();
      },
      [](uint32_t peer, bool up, const std::string& why) {
        spdlog::info("peer {} {} ({})", peer, up ? "up" : "down", why);
      });
  register_metrics();
  if (!network->start(error)) return false;
  http = std::make_unique<rpc::HttpServer>(rpc::ServerConfig{.listen = c.listen_http},
                                           [this](const rpc::Request& r) { return handle(r); });
  if (!http->start(error)) return false;

  spdlog::info("vigild node {} of {} starting: engine {}, rules {}, p2p {}, udp {}, http {}", self,
               s.genesis.validators.size(), engine_name, c.rules, c.listen_p2p, c.listen_udp,
               c.listen_http);
  net_thread = std::thread([this] { net_tile(); });
  verify_thread = std::thread([this] { verify_tile(); });
  consensus_thread = std::thread([this] { consensus_tile(); });
  return true;
}

void Node::Impl::stop() {
  if (stopped.exchange(true)) return;
  intake = false;  // the net tile flushes its open batch and ends
  if (net_thread.joinable()) net_thread.join();
  verify_stop = true;
  if (verify_thread.joinable()) verify_thread.join();  // ends once the batches are verified
  running = false;
  events.wake();
  if (consensus_thread.joinable()) consensus_thread.join();
  if (network) network->stop();
  if (http) http->stop();
  spdlog::info("vigild node {} stopped at height {}", self, state ? state->height() : 0);
}

// --- metrics -------------------------------------------------------------------

void Node::Impl::register_metrics() {
  g_round = &m.gauge("vigil_consensus_round", "Current consensus round");
  g_height = &m.gauge("vigil_committed_height", "Height of the last committed block");
  g_epoch = &m.gauge("vigil_epoch", "Current epoch");
  g_peers = &m.gauge("vigil_peers_connected", "Validators with an authenticated session");
  g_mempool = &m.gauge("vigil_stage_queue_depth", "Items waiting in a stage's queue",
                       {{"stage", "mempool"}});
  g_events_depth = &m.gauge("vigil_stage_queue_depth", "Items waiting in a stage's queue",
                            {{"stage", "consensus_events"}});
  g_batch_depth = &m.gauge("vigil_stage_queue_depth", "Items waiting in a stage's queue",
                           {{"stage", "verify_batches"}});
  h_commit = &m.histogram("vigil_commit_latency_seconds",
                          "From first sight of a block (proposal) to its commit",
                          metrics::latency_buckets());
  h_batch_size =
      &m.histogram("vigil_batch_size", "Signatures per verified batch", metrics::size_buckets());
  const auto lat = [&](const char* lane) {
    return &m.histogram("vigil_verify_latency_seconds", "Time to verify one batch",
                        metrics::latency_buckets(), {{"lane", lane}});
  };
  h_verify_tx = lat("transactions");
  h_verify_block = lat("proposal_frames");
  h_verify_msg = lat("consensus_express");
  const std::string rules = s.cfg.rules;
  c_valid = &m.counter("vigil_verifications_total", "Signatures verified",
                       {{"engine", engine_name}, {"rules", rules}, {"result", "valid"}});
  c_invalid = &m.counter("vigil_verifications_total", "Signatures verified",
                         {{"engine", engine_name}, {"rules", rules}, {"result", "invalid"}});
  c_committed_txs = &m.counter("vigil_committed_transactions_total", "Committed transactions",
                               {{"result", "ok"}});
  c_rejected_txs = &m.counter("vigil_committed_transactions_total", "Committed transactions",
                              {{"result", "rejected"}});
  c_blocks = &m.counter("vigil_committed_blocks_total", "Committed blocks");
  c_evidence = &m.counter("vigil_equivocation_evidence_total", "Equivocation evidence recorded");
  c_faults = &m.counter("vigil_device_faults_total", "Accelerator device faults");
  c_events_dropped = &m.counter("vigil_stage_dropped_total", "Items a full queue dropped",
                                {{"stage", "consensus_events"}, {"reason", "queue_full"}});
  c_invalid_sources_dropped = &m.counter("vigil_stage_dropped_total", "Items a full queue dropped",
                                         {{"stage", "invalid_feedback"}, {"reason", "queue_full"}});
  c_invalid_proposals =
      &m.counter("vigil_proposals_refused_total", "Proposals refused before the vote",
                 {{"reason", "bad_signature"}});
  c_proposal_bad_frames =
      &m.counter("vigil_proposals_refused_total", "Proposals refused before the vote",
                 {{"reason", "malformed_frame"}});
}

void Node::Impl::publish_consensus() {
  const auto& cc = core->counters();
  g_round->Set(double(core->round()));
  g_epoch->Set(double(core->epoch()));
  g_peers->Set(double(network->peers_connected()));
  g_events_depth->Set(double(events.size()));
  {
    std::lock_guard lk(pool_mu);
    g_mempool->Set(double(pool.size()));
    const auto& pc = pool.counters();
    for (size_t r = 1; r < mempool::kAddResults; ++r)
      Metrics::set_total(
          m.counter("vigil_mempool_refused_total", "Verified frames the mempool refused",
                    {{"reason", std::string(mempool::add_result_name(mempool::AddResult(r)))}}),
          pc.add[r]);
  }
  Metrics::set_total(*c_evidence, cc.evidence);
  auto drop = [&](const std::string& reason, uint64_t v) {
    Metrics::set_total(m.counter("vigil_consensus_dropped_total", "Consensus messages dropped",
                                 {{"reason", reason}}),
                       v);
  };
  for (size_t e = 1; e < size_t(consensus::ParseError::count_); ++e)
    drop("parse_" + std::string(consensus::parse_error_name(consensus::ParseError(e))),
         cc.parse_drops[e]);
  drop("bad_signature", cc.bad_signature);
  drop("bad_sender", cc.bad_sender);
  drop("bad_certificate", cc.bad_certificate);
  drop("bad_proposal", cc.bad_proposal);
  drop("stale", cc.stale);
  drop("verify_queue_full", cc.verify_queue_full);
  const auto& nc = network->counters();
  for (size_t r = 1; r < p2p::kRefusalReasons; ++r)
    Metrics::set_total(m.counter("vigil_p2p_handshake_refusals_total", "Peer handshakes refused",
                                 {{"reason", std::string(p2p::refusal_name(p2p::Refusal(r)))}}),
                       nc.refused[r].load());
  auto pdrop = [&](const char* reason, uint64_t v) {
    Metrics::set_total(m.counter("vigil_p2p_dropped_total", "Peer messages or sessions dropped",
                                 {{"reason", reason}}),
                       v);
  };
  pdrop("oversized", nc.oversized.load());
  pdrop("send_queue_full", nc.send_queue_full.load());
  pdrop("no_session", nc.no_session.load());
  pdrop("inbound_full", nc.inbound_full.load());
  Metrics::set_total(m.counter("vigil_p2p_messages_total", "Peer messages", {{"dir", "in"}}),
                     nc.messages_in.load());
  Metrics::set_total(m.counter("vigil_p2p_messages_total", "Peer messages", {{"dir", "out"}}),
                     nc.messages_out.load());
  Metrics::set_total(*c_faults, accel->stats().faults);
  if (http) {
    Metrics::set_total(m.counter("vigil_rpc_requests_total", "HTTP requests", {{"result", "ok"}}),
                       http->counters().requests.load());
    Metrics::set_total(
        m.counter("vigil_rpc_requests_total", "HTTP requests", {{"result", "bad_request"}}),
        http->counters().bad_requests.load());
  }
}

// --- net tile: port -> ingest -> batcher -----------------------------------------

void Node::Impl::net_tile() {
  Idler idle(s.cfg.idle);
  std::array<net::Packet, net::kBurst> pkts;
  std::deque<std::vector<uint8_t>> posts;
  prometheus::Counter& received = m.counter("vigil_ingest_received_total", "Datagrams received");
  prometheus::Counter& accepted =
      m.counter("vigil_ingest_accepted_total", "Frames admitted to a batch");
  std::array<prometheus::Counter*, ingest::kDropReasons> drops{};
  for (size_t d = 0; d < ingest::kDropReasons; ++d)
    drops[d] = &m.counter("vigil_ingest_dropped_total", "Frames dropped by ingest",
                          {{"reason", std::string(ingest::drop_name(ingest::Drop(d)))}});
  prometheus::Counter& batch_full = m.counter(
      "vigil_ingest_dropped_total", "Frames dropped by ingest", {{"reason", "batch_queue_full"}});
  uint64_t next_publish = 0;
  auto admit = [&](std::span<const uint8_t> bytes, uint32_t src, uint64_t t) {
    ingest::FrameView v;
    if (ingest->admit(bytes, src, t, v) != VIGIL_OK) return;
    // The batcher hands the engines exactly the bytes the signature covers;
    // a failure later charges the source admit() proved (or the unproven budget).
    batcher->add(v, v.source, t / 1000);
  };
  while (intake.load(std::memory_order_relaxed)) {
    const uint64_t t = now_ns();
    const size_t n = port->rx_burst(pkts);
    for (size_t i = 0; i < n; ++i) admit(pkts[i].bytes(), pkts[i].src_addr, t);
    posts.clear();
    posted.try_drain(posts);
    for (const auto& p : posts) admit(p, 0x7f000001, t);
    uint32_t src;
    while (invalid_sources.pop(src)) ingest->report_invalid_signature(src, t);
    batcher->poll(t / 1000);
    if (t >= next_publish) {
      const auto& c = ingest->counters();
      Metrics::set_total(received, c.received);
      Metrics::set_total(accepted, c.accepted);
      for (size_t d = 0; d < ingest::kDropReasons; ++d) Metrics::set_total(*drops[d], c.dropped[d]);
      Metrics::set_total(
          batch_full, batcher->counters().dropped_no_batch + batcher->counters().dropped_too_large);
      g_batch_depth->Set(double(batcher->ready().size()));
      next_publish = t + 100'000'000;
    }
    if (n || !posts.empty())
      idle.reset();
    else
      idle.wait();
  }
  batcher->flush();  // the in-flight batch is finished by the verify tile
}

// --- verify tile: batches -> accelerator -> mempool ----------------------------

void Node::Impl::verify_tile() {
  Idler idle(s.cfg.idle);
  accel::Completion done;
  std::vector<uint8_t> frame(VIGIL_TX_FRAME_MAX);
  for (;;) {
    batch::Batch* b = nullptr;
    if (!batcher->ready().pop(b)) {
      if (verify_stop.load()) break;  // set once the net tile flushed and ended
      idle.wait();
      continue;
    }
    idle.reset();
    const auto t = Clock::now();
    accel->submit(accel::BatchView{b->buffer()}, done).get();
    h_verify_tx->Observe(std::chrono::duration<double>(Clock::now() - t).count());
    h_batch_size->Observe(double(b->count()));
    uint64_t ok = 0, bad = 0;
    for (uint32_t i = 0; i < b->count(); ++i) {
      Sig sig;
      std::memcpy(sig.data(), b->signature(i), 64);
      if (!done.valid(i)) {
        ++bad;
        if (!invalid_sources.push(b->source(i))) c_invalid_sources_dropped->Increment();
        std::lock_guard lk(state_mu);
        if (rejected.emplace(sig, true).second) {
          rejected_order.push_back(sig);
          if (rejected_order.size() > 65536) {
            rejected.erase(rejected_order.front());
            rejected_order.pop_front();
          }
        }
        continue;
      }
      ++ok;
      // The frame exactly as the client signed it, from its signed message.
      const size_t n = ingest::frame_from_signed_message(
          b->message(i), std::span<const uint8_t, 32>(b->public_key(i), 32),
          std::span<const uint8_t, 64>(b->signature(i), 64), frame);
      ingest::FrameView fv;
      if (n == 0 || ingest::parse_frame({frame.data(), n}, fv) != VIGIL_OK) continue;
      mempool::Key key;
      std::memcpy(key.data(), b->public_key(i), 32);
      const uint64_t committed_nonce = state->nonce(key);
      std::lock_guard lk(pool_mu);
      pool.add({frame.data(), n}, key, sig, fv.payload, committed_nonce);
    }
    c_valid->Increment(double(ok));
    c_invalid->Increment(double(bad));
    batcher->recycle(b);
  }
}

// --- consensus tile ------------------------------------------------------------

bool Node::Impl::verify_items(const std::vector<crypto::VerifyItem>& items,
                              std::vector<uint8_t>* valid, prometheus::Histogram* latency) {
  valid->assign(items.size(), 0);
  if (items.empty()) return true;
  size_t bytes = 0;
  for (const auto& it : items) bytes += it.message.size();
  accel::BatchBuffer buf(uint32_t(items.size()), uint32_t(bytes));
  buf.clear(s.cfg.rules == "strict" ? crypto::Rules::strict : crypto::Rules::zip215);
  for (const auto& it : items) buf.add(it);
  buf.seal();
  const auto t = Clock::now();
  accel::Completion c = accel->verify_now(buf);
  latency->Observe(std::chrono::duration<double>(Clock::now() - t).count());
  bool all = true;
  uint64_t ok = 0;
  for (uint32_t i = 0; i < items.size(); ++i) {
    (*valid)[i] = c.valid(i) ? 1 : 0;
    all &= c.valid(i);
    ok += c.valid(i);
  }
  c_valid->Increment(double(ok));
  c_invalid->Increment(double(items.size() - ok));
  return all;
}

// A proposal's frames, verified as one batch before the core (and so the
// vote) sees the proposal. Anything else passes untouched.
bool Node::Impl::check_proposal_frames(const std::vector<uint8_t>& bytes) {
  if (bytes.size() < 2 || bytes[1] != VIGIL_MSG_PROPOSAL) return true;
  consensus::Message msg;
  if (consensus::decode(bytes, msg) != consensus::ParseError::ok)
    return true;  // the core counts it
  first_seen.emplace(msg.proposal.block.id, Clock::now());
  if (first_seen.size() > 1024) first_seen.erase(first_seen.begin());
  const auto& txs = msg.proposal.block.txs;
  if (txs.empty()) return true;
  const auto frames = consensus::split_frames(txs);
  std::vector<crypto::VerifyItem> items;
  bool ok = frames.size() == msg.proposal.block.hdr.tx_count;
  std::vector<uint8_t> signed_msgs(ok ? frames.size() * ingest::kSignedMessageMax : 0);
  for (size_t i = 0; ok && i < frames.size(); ++i) {
    ingest::FrameView v;
    ok = ingest::parse_frame(frames[i], v) == VIGIL_OK;
    if (!ok) break;
    const std::span<uint8_t> out(signed_msgs.data() + i * ingest::kSignedMessageMax,
                                 ingest::kSignedMessageMax);
    items.push_back({v.public_key, v.signature, out.first(ingest::frame_signed_message(v, out))});
  }
  if (!ok) {
    c_proposal_bad_frames->Increment();
    return false;
  }
  std::vector<uint8_t> valid;
  if (!verify_items(items, &valid, h_verify_block)) {
    c_invalid_proposals->Increment();
    spdlog::warn("proposal for round {} from validator {} refused: a frame's signature is invalid",
                 msg.round, msg.sender);
    return false;
  }
  state->note_verified(consensus::compute_tx_root(txs));  // execution reuses the verdicts
  return true;
}

void Node::Impl::on_commit(std::vector<Applied> applied, const std::string& error) {
  for (const Applied& a : applied) {
    const consensus::Block& b = a.block;
    {
      std::lock_guard lk(pool_mu);
      pool.committed(a.sigs, a.next_nonces);
    }
    c_committed_txs->Increment(double(a.ok));
    c_rejected_txs->Increment(double(a.rejected));
    c_blocks->Increment();
    g_height->Set(double(b.hdr.height));
    auto it = first_seen.find(b.id);
    if (it != first_seen.end()) {
      h_commit->Observe(std::chrono::duration<double>(Clock::now() - it->second).count());
      first_seen.erase(it);
    }
    {
      std::lock_guard lk(status_mu);
      status.height = b.hdr.height;
      status.block_id = b.id;
    }
    if (b.hdr.height % s.cfg.log_every == 0)
      spdlog::info("committed height {} ({} txs, {} rejected)", b.hdr.height, a.ok, a.rejected);
  }
  if (!error.empty()) {
    // The ledger and the core disagree: going on could only diverge.
    spdlog::critical("{}; stopping", error);
    std::_Exit(1);
  }
}

void Node::Impl::run_actions(consensus::Actions& actions, std::optional<Clock::time_point>& timer,
                             uint64_t& timer_token) {
  // Actions may produce events (verify results, persists): handled in order.
  while (!actions.empty()) {
    consensus::Actions next;
    for (auto& a : actions) {
      if (auto* send = std::get_if<consensus::SendAction>(&a)) {
        network->send(send->to, send->bytes);
      } else if (auto* bcast = std::get_if<consensus::BroadcastAction>(&a)) {
        network->broadcast(bcast->bytes);
      } else if (auto* tm = std::get_if<consensus::SetTimerAction>(&a)) {
        timer = Clock::now() + std::chrono::milliseconds(tm->delay);
        timer_token = tm->token;
      } else if (auto* ver = std::get_if<consensus::VerifyAction>(&a)) {
        std::vector<crypto::VerifyItem> items;
        for (const auto& it : ver->items)
          items.push_back({it.public_key.data(), it.signature.data(), *it.message});
        std::vector<uint8_t> valid;
        verify_items(items, &valid, h_verify_msg);
        core->on_verified(ver->request, valid, next);
      } else if (auto* per = std::get_if<consensus::PersistAction>(&a)) {
        state->save_safety(per->state);
        core->on_persisted(per->request, next);
      } else if (auto* com = std::get_if<consensus::CommitAction>(&a)) {
        std::string err;
        auto applied = state->commit(com->blocks, &err);
        on_commit(std::move(applied), err);
      } else if (auto* lg = std::get_if<consensus::LogAction>(&a)) {
        spdlog::info("{}", lg->line);
      }
    }
    actions.swap(next);
  }
  // A committed block waiting for its QC: this event may have brought it.
  std::string err;
  auto applied = state->drain(&err);
  if (!applied.empty() || !err.empty()) on_commit(std::move(applied), err);
  std::lock_guard lk(status_mu);
  status.epoch = core->epoch();
  status.round = core->round();
}

void Node::Impl::consensus_tile() {
  std::optional<Clock::time_point> timer;
  uint64_t token = 0;
  consensus::Actions actions;
  core->start(actions);
  run_actions(actions, timer, token);
  std::deque<PeerMessage> batch;
  auto next_publish = Clock::now();
  while (running.load()) {
    auto until = Clock::now() + std::chrono::milliseconds(100);
    if (timer && *timer < until) until = *timer;
    batch.clear();
    events.drain(batch, until);
    for (auto& pm : batch) {
      if (!check_proposal_frames(pm.bytes)) continue;
      core->on_message(pm.from, pm.bytes, actions);
      run_actions(actions, timer, token);
    }
    if (timer && Clock::now() >= *timer) {
      timer.reset();
      core->on_timer(token, actions);
      run_actions(actions, timer, token);
    }
    if (Clock::now() >= next_publish) {
      publish_consensus();
      next_publish = Clock::now() + std::chrono::milliseconds(250);
    }
  }
}

// --- client API ------------------------------------------------------------------

rpc::Response Node::Impl::handle(const rpc::Request& r) {
  const std::string path = rpc::target_path(r.target);
  auto starts = [&](const char* p) { return path.rfind(p, 0) == 0; };
  if (r.method == "GET" && path == "/")
    return {200, "text/html; charset=utf-8", std::string(statuspage::html())};
  if (r.method == "GET" && path == "/status") return status_json();
  if (r.method == "GET" && path == "/metrics")
    return {200, "text/plain; version=0.0.4", m.render()};
  if (r.method == "GET" && starts("/block/")) return block_json(path.substr(7));
  if (r.method == "GET" && starts("/tx/")) return tx_json(path.substr(4));
  if (r.method == "GET" && starts("/account/"))
    return account_json(path.substr(9), rpc::query_value(r.target, "proof") == "1");
  if (r.method == "POST" && path == "/tx") {
    if (r.body.empty() || r.body.size() > VIGIL_TX_FRAME_MAX)
      return {400, "application/json", R"({"error":"body must be one frame"})"};
    if (!posted.push(std::vector<uint8_t>(r.body.begin(), r.body.end())))
      return {503, "application/json", R"({"error":"intake queue full"})"};
    return {202, "application/json", R"({"accepted":true})"};
  }
  return {404, "application/json", R"({"error":"not found"})"};
}

rpc::Response Node::Impl::status_json() {
  Status st;
  {
    std::lock_guard lk(status_mu);
    st = status;
  }
  uint64_t txs = state->committed_txs(), pending = 0;
  {
    std::lock_guard lk(pool_mu);
    pending = pool.size();
  }
  json j{{"node", self},
         {"epoch", st.epoch},
         {"round", st.round},
         {"height", st.height},
         {"block_id", hex(st.block_id.data(), 32)},
         {"peers", network->peers_connected()},
         {"engine", engine_name},
         {"rules", s.cfg.rules},
         {"committed_txs", txs},
         {"mempool", pending}};
  return {200, "application/json", j.dump()};
}

rpc::Response Node::Impl::block_json(const std::string& h) {
  uint64_t height = 0;
  if (h.empty() || h.size() > 19 || h.find_first_not_of("0123456789") != std::string::npos)
    return {400, "application/json", R"({"error":"height must be a decimal number"})"};
  height = std::stoull(h);
  const auto b = state->block_at(height);
  if (!b) return {404, "application/json", R"({"error":"no committed block at that height"})"};
  json j{{"height", b->hdr.height},
         {"epoch", b->hdr.epoch},
         {"round", b->hdr.round},
         {"block_id", hex(b->id.data(), 32)},
         {"parent_id", hex(b->hdr.parent_id, 32)},
         {"tx_root", hex(b->hdr.tx_root, 32)},
         {"state_root", hex(b->hdr.state_root, 32)},
         {"proposer", b->hdr.proposer},
         {"tx_count", b->hdr.tx_count}};
  return {200, "application/json", j.dump()};
}

rpc::Response Node::Impl::tx_json(const std::string& sig_hex) {
  Sig sig;
  if (!parse_hex(sig_hex, &sig))
    return {400, "application/json", R"({"error":"signature must be 128 hex digits"})"};
  json j{{"signature", sig_hex}};
  {
    if (auto rc = state->receipt(sig)) {
      const bool ok = rc->code == VIGIL_TX_OK;
      j["status"] = ok ? "committed" : "rejected";
      j["height"] = rc->height;
      j["index"] = rc->index;
      j["receipt"] = tx_code_name(rc->code);
      if (!ok) j["reason"] = tx_code_name(rc->code);
      return {200, "application/json", j.dump()};
    }
  }
  {
    std::lock_guard lk(pool_mu);
    if (pool.contains(sig)) {
      j["status"] = "pending";
      return {200, "application/json", j.dump()};
    }
  }
  std::lock_guard lk(state_mu);
  if (rejected.count(sig)) {
    j["status"] = "rejected";
    j["reason"] = "bad_signature";
  } else {
    j["status"] = "unknown";
  }
  return {200, "application/json", j.dump()};
}

rpc::Response Node::Impl::account_json(const std::string& pk_hex, bool proof) {
  Key k;
  if (!parse_hex(pk_hex, &k))
    return {400, "application/json", R"({"error":"public key must be 64 hex digits"})"};
  std::string err;
  const auto j = state->account_json(k, proof, &err);
  if (!j) return {503, "application/json", json{{"error", err}}.dump()};
  return {200, "application/json", *j};
}

Node::Node(NodeSetup setup) : impl_(std::make_unique<Impl>(std::move(setup))) {}
Node::~Node() {
  stop();
}
bool Node::start(std::string* error) {
  return impl_->start(error);
}
void Node::stop() {
  if (impl_) impl_->stop();
}

}  // namespace vigil::node
