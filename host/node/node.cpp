#include "host/node/node.hpp"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "drivers/accel/accelerator.hpp"
#include "drivers/net/pcap_port.hpp"
#include "drivers/net/udp_port.hpp"
#ifdef VIGIL_HAVE_DPDK
#include "drivers/net/dpdk_port.hpp"
#endif
#include "host/affinity/pin.hpp"
#include "host/consensus/core.hpp"
#include "host/consensus/wire.hpp"
#include "host/crypto/sig_jsonl.hpp"
#include "host/ingest/ingest.hpp"
#include "host/mempool/mempool.hpp"
#include "host/metrics/metrics.hpp"
#include "host/metrics/tile_metrics.hpp"
#include "host/node/chain_state.hpp"
#include "host/node/idle.hpp"
#include "host/p2p/network.hpp"
#include "host/rpc/http_server.hpp"
#include "host/sigverify/sigverify.hpp"
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

// The packet port the configuration names: kernel UDP on listen.udp, a
// capture replayed once at full speed (tests, benchmarks), or a DPDK ethdev
// after EAL starts with the configured arguments.
std::unique_ptr<net::PacketPort> open_port(const config::Config& c, uint32_t addr, uint16_t udp,
                                           std::string* error) {
  std::string why;
  std::unique_ptr<net::PacketPort> p;
  switch (c.port) {
    case config::PortKind::udp:
      p = net::UdpPort::open({.bind_addr = addr, .bind_port = udp, .reuse_port = false}, why);
      if (!p) *error = "cannot open udp " + c.listen_udp + ": " + why;
      return p;
    case config::PortKind::pcap:
      p = net::PcapPort::open({.read_path = c.pcap_file}, why);
      if (!p) *error = c.file + ": key 'packet.pcap_file': " + why;
      return p;
    case config::PortKind::dpdk:
#ifdef VIGIL_HAVE_DPDK
      if (!net::dpdk_eal_init(c.eal_args, why)) {
        *error = c.file + ": key 'packet.eal_args': DPDK's EAL does not start: " + why;
        return nullptr;
      }
      if (config::dpdk_device(c).empty()) {
        *error = c.file + ": key 'packet.device': missing, and packet.eal_args names no device";
        return nullptr;
      }
      p = net::DpdkPort::open({.device = config::dpdk_device(c)}, why);
      if (!p) *error = c.file + ": key 'packet.device': " + why;
      return p;
#else
      *error = c.file + ": key 'packet.port': this vigild was built without DPDK";
      return nullptr;
#endif
  }
  return nullptr;
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
  // Moves everything out without waiting (no syscall when empty).
  size_t try_drain(std::deque<T>& out) {
    std::lock_guard lk(mu_);
    const size_t n = q_.size();
    for (auto& v : q_) out.push_back(std::move(v));
    q_.clear();
    return n;
  }
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

constexpr auto kEmptyBlockWait = std::chrono::milliseconds(25);

struct PeerMessage {
  uint32_t from;
  std::vector<uint8_t> bytes;
};

// Frames a peer forwarded enter ingest as if from a proven source of their
// own: 255.0.0.PEER (class E, never a real datagram's source), so each peer
// has its own budget and a bad frame charges that peer.
constexpr uint32_t kPeerSourceBase = 0xff000000u;
uint32_t peer_source(uint32_t peer) {
  return kPeerSourceBase | (peer & 0xffffu);
}
bool is_peer_source(uint32_t src) {
  return (src & 0xff000000u) == kPeerSourceBase;
}

// At debug level, one line per block sync message in or out (a node that
// catches up shows what it asked and what came back).
void log_sync(const char* dir, uint32_t peer, const std::vector<uint8_t>& bytes) {
  if (!spdlog::should_log(spdlog::level::debug) || bytes.size() < 2 ||
      (bytes[1] != VIGIL_MSG_SYNC_REQUEST && bytes[1] != VIGIL_MSG_SYNC_RESPONSE))
    return;
  consensus::Message m;
  if (consensus::decode(bytes, m) != consensus::ParseError::ok) return;
  if (m.type == VIGIL_MSG_SYNC_REQUEST) {
    spdlog::debug("sync request {} peer {}: epoch {} block {} from height {}", dir, peer, m.epoch,
                  hex(m.sync_request.block_id.data(), 4), m.sync_request.from_height);
    return;
  }
  const auto& blocks = m.sync_response.blocks;
  spdlog::debug("sync response {} peer {}: epoch {} {} blocks, heights {}..{}{}", dir, peer,
                m.epoch, blocks.size(), blocks.empty() ? 0 : blocks.front().block.hdr.height,
                blocks.empty() ? 0 : blocks.back().block.hdr.height,
                m.sync_response.qc ? ", with a QC" : "");
}

uint64_t elapsed_ns(Clock::time_point since) {
  return uint64_t(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - since).count());
}

}  // namespace

struct Node::Impl {
  NodeSetup s;
  uint32_t self = 0;  // the genesis index, or ~0u for a standby (not a genesis validator)
  Clock::time_point t0 = Clock::now();
  std::atomic<bool> verify_stop{false}, mempool_stop{false}, running{true}, stopped{false};

  // components
  std::unique_ptr<accel::Accelerator> accel;
  std::unique_ptr<net::PacketPort> port;
  std::unique_ptr<sigverify::Sigverify> sv;         // the verify tile's pipeline
  BoundedQueue<std::vector<uint8_t>> posted{4096};  // POST /tx -> verify tile
  BoundedQueue<PeerMessage> forwarded{1024};        // peers' forwarded frames -> verify tile
  std::deque<PeerMessage> forward_in;               // the verify tile's, drained from forwarded
  uint64_t forward_malformed = 0;
  // Frames the verify tile dropped unverified, by the refusal the pool
  // would have made (its thread only).
  std::array<uint64_t, mempool::kAddResults> screened{};
  uint64_t verify_published_valid = 0, verify_published_invalid = 0;  // the verify tile's
  BoundedQueue<PeerMessage> events;                                   // p2p -> consensus
  std::mutex pool_mu;
  std::condition_variable pool_added;  // the mempool tile added frames
  mempool::Mempool pool;
  mutable std::mutex state_mu;
  std::unique_ptr<ChainState> state;
  std::deque<Sig> rejected_order;  // signatures that failed verification, bounded
  std::map<Sig, bool, mempool::SigLess> rejected;
  std::unique_ptr<EdSigner> signer;
  std::unique_ptr<consensus::Core> core;
  std::unique_ptr<p2p::Network> network;
  // The peers' addresses: the genesis file's validators, then [peers] of the
  // config (which wins: the operator's word for this machine).
  std::map<Key, std::string> address_book;
  consensus::Epoch network_epoch = 0;  // the epoch whose set the network admits
  std::atomic<uint32_t> set_size{0};   // validators in the current set
  std::atomic<bool> in_set{false};     // this node is one of them
  std::unique_ptr<rpc::HttpServer> http;
  Metrics m;
  std::string engine_name;
  std::thread verify_thread, mempool_thread, consensus_thread;

  // consensus tile state: actions not yet run, the core's timer
  consensus::Actions backlog;
  std::vector<std::vector<consensus::Block>> deferred_commits;  // the core's, in order
  uint64_t safety_writes = 0, safety_persists = 0;  // synced writes, persists they covered
  std::optional<Clock::time_point> timer;
  uint64_t timer_token = 0;
  // tile counters the consensus thread keeps (it publishes them)
  uint64_t consensus_in = 0, consensus_out = 0, consensus_busy_ns = 0;
  uint64_t exec_in = 0, exec_out = 0, exec_busy_ns = 0;
  uint64_t proposal_frames_cached = 0, proposal_frames_verified = 0;
  // rpc counters (Asio threads)
  std::atomic<uint64_t> rpc_in{0}, rpc_out{0}, rpc_busy_ns{0}, rpc_intake_full{0};
  std::unique_ptr<metrics::TileMetrics> t_consensus, t_execution, t_p2p, t_rpc;

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
  void fill_address_book();
  std::vector<std::string> addresses(const std::vector<consensus::PublicKey>& keys) const;
  void follow_validator_set();
  void register_metrics();
  void verify_tile();
  bool take_forwarded(uint64_t now_ns);
  // False when the pool would refuse the frame on its nonce (verify tile).
  bool screen_for_pool(const ingest::FrameView& f);
  void publish_verify(metrics::TileMetrics& tile);
  void remember_rejected(const Sig& sig);
  void mempool_tile();
  mempool::AddResult add_to_pool(std::span<const uint8_t> frame, const mempool::Key& key,
                                 const Sig& sig, std::span<const uint8_t> payload);
  void consensus_tile();
  void run_actions(size_t max_rounds);
  void run_commits();
  bool verify_items(const std::vector<crypto::VerifyItem>& items, std::vector<uint8_t>* valid,
                    prometheus::Histogram* latency);
  bool check_proposal_frames(const std::vector<uint8_t>& bytes);
  mempool::SigSet uncommitted_sigs(consensus::BlockId id) const;
  void on_commit(std::vector<Applied> applied, const std::string& error);
  void publish_consensus();
  void publish_tiles();
  rpc::Response handle(const rpc::Request& r);
  rpc::Response route(const rpc::Request& r);
  rpc::Response status_json();
  rpc::Response block_json(const std::string& h);
  rpc::Response tx_json(const std::string& sig_hex);
  rpc::Response account_json(const std::string& pk_hex, bool proof);

  std::map<consensus::BlockId, Clock::time_point> first_seen;  // commit latency, bounded
};

// --- start / stop ------------------------------------------------------------

bool Node::Impl::start(std::string* error) {
  const auto& c = s.cfg;
  self = ~0u;
  for (uint32_t i = 0; i < s.genesis.validators.size(); ++i)
    if (s.genesis.validators[i].key == s.key.public_key) self = i;
  // A key outside the genesis set is a standby: it follows the chain from
  // genesis and takes part once committed governance adds it.
  if (self == ~0u)
    spdlog::warn("{}: this key is not one of the genesis validators: starting as a standby",
                 c.key_file);
  fill_address_book();
  ledger::LedgerOptions lo;
  lo.write_buffer_bytes = size_t(c.ledger_write_buffer_mb) << 20;
  lo.block_cache_bytes = size_t(c.ledger_block_cache_mb) << 20;
  lo.page_cache_entries = c.ledger_page_cache_entries;
  lo.account_cache_entries = c.ledger_account_cache_entries;
  state = ChainState::open(c.data_dir, s.genesis, lo, error);
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
  port = open_port(c, addr, udp_port, error);
  if (!port) return false;
  sigverify::SigverifyConfig vc;
  vc.ingest.dedup_depth = 1 << 18;
  vc.ingest.by_source = {
      .entries = 1 << 14, .rate_per_sec = c.source_rate, .burst = c.source_burst};
  vc.ingest.by_key = {.entries = 1 << 14, .rate_per_sec = c.key_rate, .burst = c.key_burst};
  vc.batcher = batch::BatcherConfig{
      .max_items = c.batch_size,
      .max_msg_bytes = c.batch_size * uint32_t(ingest::signed_message_size(256)),
      .deadline_us = c.batch_deadline_us,
      .pool = 8,
      .rules = c.rules == "strict" ? VIGIL_RULES_STRICT : VIGIL_RULES_ZIP215};
  vc.out_capacity = c.queue_verified;
  // A full mempool stops taking verified frames; once half the ring waits,
  // the verify tile drops new ones before verifying them (counted).
  vc.shed_above = c.queue_verified / 2;
  vc.invalid_capacity = 4096;
  // A sender far ahead of what commits (a flood, or a client past its
  // nonce window) would otherwise cost a signature check per frame only
  // for the pool to refuse it: under long overload that work crowded out
  // every frame a block could carry.
  vc.screen = [this](const ingest::FrameView& f) { return screen_for_pool(f); };
  vc.idle_sleep = std::chrono::microseconds(c.idle == config::Idle::busy ? 0 : 1000);
  vc.on_batch = [this](uint32_t items, uint64_t latency_ns) {
    h_batch_size->Observe(double(items));
    h_verify_tx->Observe(double(latency_ns) * 1e-9);
  };
  sv = std::make_unique<sigverify::Sigverify>(vc, *accel);

  consensus::Genesis g;
  for (const auto& v : s.genesis.validators) g.validators.keys.push_back(v.key);
  signer = std::make_unique<EdSigner>(s.key);
  consensus::CoreConfig cc;
  cc.base_timeout = c.round_timeout_ms;
  // A leader with nothing to propose waits a little for a transaction
  // before it proposes an empty block, so an idle chain does not spin
  // (CometBFT's create_empty_blocks_interval does the same).
  cc.payload = [this](const vigil_block_hdr& h) {
    consensus::Payload p;
    auto root = state->state_after(consensus::to_id(h.parent_id));
    if (!root) return p.skip = true, p;
    p.state_root = *root;
    const mempool::SigSet chain = uncommitted_sigs(consensus::to_id(h.parent_id));
    {
      std::unique_lock lk(pool_mu);
      p.frames = pool.take(s.cfg.block_max_txs, size_t(8) << 20, &p.count, &chain);
      if (p.count == 0 && running.load() &&
          pool_added.wait_for(lk, kEmptyBlockWait) == std::cv_status::no_timeout)
        p.frames = pool.take(s.cfg.block_max_txs, size_t(8) << 20, &p.count, &chain);
    }
    state->note_verified(consensus::compute_tx_root(p.frames));  // verified on entry
    return p;
  };
  cc.check_block = [this](const consensus::Block& b) { return state->check(b); };
  cc.next_validators = [this](const consensus::Block& b) { return state->next_validators(b); };
  core = std::make_unique<consensus::Core>(cc, g, *state, *signer);

  // The network admits the set of the epoch the core starts in (a restart
  // may be past genesis); follow_validator_set() keeps it current.
  p2p::NetworkConfig nc;
  nc.identity.chain_id = s.genesis.chain_id;
  nc.identity.key = s.key;
  nc.identity.validators = core->validators().keys;
  nc.listen = c.listen_p2p;
  nc.peers = addresses(core->validators().keys);
  network_epoch = core->epoch();
  set_size = core->validators().size();
  in_set = std::find(nc.identity.validators.begin(), nc.identity.validators.end(),
                     s.key.public_key) != nc.identity.validators.end();
  nc.send_queue_messages = c.queue_peer_send;
  network = std::make_unique<p2p::Network>(
      nc,
      [this](uint32_t from, std::vector<uint8_t>&& b) {
        if (b.size() >= 2 && b[1] == VIGIL_P2P_MSG_TX_FORWARD) {
          forwarded.push({from, std::move(b)});  // a full queue counts the drop
          return;
        }
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

  spdlog::info(
      "vigild node {} of {} starting in epoch {} ({}): engine {}, rules {}, p2p {}, udp {}, http "
      "{}",
      self == ~0u ? std::string("standby") : std::to_string(self), s.genesis.validators.size(),
      core->epoch(), in_set ? "a validator" : "not a validator", engine_name, c.rules, c.listen_p2p,
      c.listen_udp, c.listen_http);
  verify_thread = std::thread([this] { verify_tile(); });
  mempool_thread = std::thread([this] { mempool_tile(); });
  consensus_thread = std::thread([this] { consensus_tile(); });
  // [tiles]: each tile thread on its core (checked when the config loaded).
  const affinity::TileThread tiles[] = {
      {"verify", &verify_thread}, {"mempool", &mempool_thread}, {"consensus", &consensus_thread}};
  std::vector<std::string> notes;
  const bool pinned = affinity::apply_plan(c.tiles, tiles, &notes, error);
  for (const auto& n : notes) spdlog::info("{}", n);
  return pinned;
}

void Node::Impl::fill_address_book() {
  for (const auto& v : s.genesis.validators) address_book[v.key] = v.p2p;
  for (const auto& [k, a] : s.cfg.peers) address_book[k] = a;
}

std::vector<std::string> Node::Impl::addresses(
    const std::vector<consensus::PublicKey>& keys) const {
  std::vector<std::string> out;
  for (const auto& k : keys) {
    auto it = address_book.find(k);
    out.push_back(it == address_book.end() ? std::string() : it->second);
  }
  return out;
}

// Consensus thread: once the core is in a new epoch, the network admits
// exactly that epoch's set (its indices are the core's from then on).
void Node::Impl::follow_validator_set() {
  if (core->epoch() == network_epoch) return;
  network_epoch = core->epoch();
  const auto& keys = core->validators().keys;
  const bool member = std::find(keys.begin(), keys.end(), s.key.public_key) != keys.end();
  std::vector<std::string> addrs = addresses(keys);
  uint32_t unknown = 0;
  for (const auto& a : addrs) unknown += a.empty();
  spdlog::info(
      "epoch {}: the peer network follows its {} validators ({} without an address); "
      "this node is {}",
      network_epoch, keys.size(), unknown, member ? "one of them" : "not one of them");
  network->set_validators(keys, std::move(addrs));
  set_size = uint32_t(keys.size());
  in_set = member;
}

void Node::Impl::stop() {
  if (stopped.exchange(true)) return;
  verify_stop = true;  // the verify tile verifies the batches it holds and ends
  if (verify_thread.joinable()) verify_thread.join();
  mempool_stop = true;  // the mempool tile takes what was verified and ends
  if (mempool_thread.joinable()) mempool_thread.join();
  running = false;
  events.wake();
  if (consensus_thread.joinable()) consensus_thread.join();
  if (network) network->stop();
  if (http) http->stop();
  spdlog::info("vigild node {} stopped at height {}",
               self == ~0u ? std::string("standby") : std::to_string(self),
               state ? state->height() : 0);
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
  t_consensus = std::make_unique<metrics::TileMetrics>(m, "consensus");
  t_execution = std::make_unique<metrics::TileMetrics>(m, "execution");
  t_p2p = std::make_unique<metrics::TileMetrics>(m, "p2p", false);  // Asio: busy not measured
  t_rpc = std::make_unique<metrics::TileMetrics>(m, "rpc");
  c_invalid_proposals =
      &m.counter("vigil_proposals_refused_total", "Proposals refused before the vote",
                 {{"reason", "bad_signature"}});
  c_proposal_bad_frames =
      &m.counter("vigil_proposals_refused_total", "Proposals refused before the vote",
                 {{"reason", "malformed_frame"}});
}

// The rows of `vigil monitor` for the work the consensus thread and the
// Asio threads do (the verify and mempool tiles publish their own rows).
void Node::Impl::publish_tiles() {
  t_consensus->publish(consensus_in, consensus_out, double(events.size()), consensus_busy_ns);
  t_consensus->dropped("queue_full", events.dropped());
  t_consensus->dropped("proposal_bad_signature", uint64_t(c_invalid_proposals->Value()));
  t_consensus->dropped("proposal_malformed", uint64_t(c_proposal_bad_frames->Value()));
  Metrics::set_total(m.counter("vigil_safety_writes_total", "Synced writes of the safety state"),
                     safety_writes);
  Metrics::set_total(m.counter("vigil_safety_persists_total",
                               "Persists of the safety state the core asked for (a write covers "
                               "those of one turn)"),
                     safety_persists);
  Metrics::set_total(m.counter("vigil_proposal_frames_total", "Frames of peers' proposals",
                               {{"check", "verified"}}),
                     proposal_frames_verified);
  Metrics::set_total(m.counter("vigil_proposal_frames_total", "Frames of peers' proposals",
                               {{"check", "mempool_cache"}}),
                     proposal_frames_cached);
  // Commits are applied as the core hands them over: no queue in between.
  t_execution->publish(exec_in, exec_out, 0, exec_busy_ns);
  t_execution->dropped("rejected_tx", exec_in - exec_out);
  const auto& nc = network->counters();
  t_p2p->publish(nc.messages_in.load(), nc.messages_out.load(),
                 double(std::max<int64_t>(0, nc.queued.load())), 0);
  if (http) {
    const uint64_t bad = http->counters().bad_requests.load();
    t_rpc->publish(rpc_in.load() + bad, rpc_out.load(), 0, rpc_busy_ns.load());
    t_rpc->dropped("bad_request", bad);
    t_rpc->dropped("intake_queue_full", rpc_intake_full.load());
  }
}

void Node::Impl::publish_consensus() {
  const auto& cc = core->counters();
  g_round->Set(double(core->round()));
  g_epoch->Set(double(core->epoch()));
  g_peers->Set(double(network->peers_connected()));
  g_events_depth->Set(double(events.size()));
  Metrics::set_total(*c_evidence, cc.evidence);
  auto drop = [&](const std::string& reason, uint64_t v) {
    Metrics::set_total(m.counter("vigil_consensus_dropped_total", "Consensus messages dropped",
                                 {{"reason", reason}}),
                       v);
    t_consensus->dropped(reason, v);
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
  drop("old_epoch", cc.old_epoch);
  drop("future_epoch", cc.future_epoch);
  drop("persist_queue_full", cc.persist_queue_full);
  drop("sync_rate_limited", cc.sync_rate_limited);
  drop("sync_too_large", cc.sync_too_large);
  drop("proposal_unchecked", cc.proposal_unchecked);
  Metrics::set_total(
      m.counter("vigil_consensus_sync_total", "Block sync messages", {{"kind", "requests_sent"}}),
      cc.sync_requests);
  Metrics::set_total(m.counter("vigil_consensus_sync_total", "Block sync messages",
                               {{"kind", "responses_served"}}),
                     cc.sync_served);
  Metrics::set_total(m.counter("vigil_consensus_epochs_total", "Epochs this node entered"),
                     cc.epochs);
  publish_tiles();
  const auto& nc = network->counters();
  for (size_t r = 1; r < p2p::kRefusalReasons; ++r) {
    const std::string reason(p2p::refusal_name(p2p::Refusal(r)));
    Metrics::set_total(m.counter("vigil_p2p_handshake_refusals_total", "Peer handshakes refused",
                                 {{"reason", reason}}),
                       nc.refused[r].load());
    t_p2p->dropped("handshake_" + reason, nc.refused[r].load());
  }
  auto pdrop = [&](const char* reason, uint64_t v) {
    Metrics::set_total(m.counter("vigil_p2p_dropped_total", "Peer messages or sessions dropped",
                                 {{"reason", reason}}),
                       v);
    t_p2p->dropped(reason, v);
  };
  pdrop("oversized", nc.oversized.load());
  pdrop("send_queue_full", nc.send_queue_full.load());
  pdrop("no_session", nc.no_session.load());
  pdrop("inbound_full", nc.inbound_full.load());
  pdrop("removed_key", nc.removed_closed.load());
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

// --- verify tile: port, POST /tx, peers' forwards -> host/sigverify ------------

// Peers' forwarded frames go through ingest as a proven source per peer (a
// token for its address is minted here), then verify like any client's.
bool Node::Impl::take_forwarded(uint64_t now_ns) {
  forward_in.clear();
  forwarded.try_drain(forward_in);
  std::array<uint8_t, sizeof(vigil_addr_token) + VIGIL_TX_FRAME_MAX> dgram;
  for (const PeerMessage& pm : forward_in) {
    vigil_p2p_tx_forward_hdr h;
    if (pm.bytes.size() < sizeof h) continue;
    std::memcpy(&h, pm.bytes.data(), sizeof h);
    if (h.version != VIGIL_WIRE_VERSION || h.count > VIGIL_P2P_FORWARD_MAX_TXS) {
      ++forward_malformed;
      continue;
    }
    const uint32_t src = peer_source(pm.from);
    vigil_addr_token t = sv->ingest().make_token(src, now_ns);
    t.kind = VIGIL_ADDR_TOKEN_FRAME;
    std::memcpy(dgram.data(), &t, sizeof t);
    const std::span<const uint8_t> body(pm.bytes.data() + sizeof h, pm.bytes.size() - sizeof h);
    for (const auto& f : consensus::split_frames(body)) {
      if (f.size() > VIGIL_TX_FRAME_MAX) {
        ++forward_malformed;
        continue;
      }
      std::memcpy(dgram.data() + sizeof t, f.data(), f.size());
      sv->push({dgram.data(), sizeof t + f.size()}, src, now_ns);
    }
  }
  return !forward_in.empty();
}

bool Node::Impl::screen_for_pool(const ingest::FrameView& f) {
  const auto nonce = mempool::payload_nonce(f.payload);  // a transfer's or an approval's
  if (!nonce) return true;                               // the pool decides after verification
  mempool::Key key;
  std::memcpy(key.data(), f.public_key, key.size());
  mempool::AddResult r;
  {
    std::lock_guard lk(pool_mu);
    r = pool.screen(key, *nonce);
  }
  if (r == mempool::AddResult::added) return true;
  ++screened[size_t(r)];
  return false;
}

void Node::Impl::publish_verify(metrics::TileMetrics& tile) {
  const auto& ic = sv->ingest().counters();
  const auto& vc = sv->counters();
  const auto& bc = sv->batcher().counters();
  // waiting: in a batch not yet finished, or in the queues before ingest
  const uint64_t finished =
      vc.verified + vc.invalid + vc.items_refused + vc.duplicates_after_verify;
  const uint64_t in_batches = bc.items > finished ? bc.items - finished : 0;
  tile.publish(ic.received, vc.verified - vc.out_dropped,
               double(in_batches + posted.size() + forwarded.size()), vc.busy_ns);
  for (size_t d = 0; d < ingest::kDropReasons; ++d)
    tile.dropped(std::string(ingest::drop_name(ingest::Drop(d))), ic.dropped[d]);
  tile.dropped("batch_queue_full", bc.dropped_no_batch + bc.dropped_too_large);
  tile.dropped("invalid_signature", vc.invalid);
  tile.dropped("refused_by_engine", vc.items_refused);
  tile.dropped("duplicate_after_verify", vc.duplicates_after_verify);
  tile.dropped("out_queue_full", vc.out_dropped);
  tile.dropped("shed_mempool_full", vc.shed);
  tile.dropped("intake_queue_full", posted.dropped() + forwarded.dropped());
  tile.dropped("forward_malformed", forward_malformed);
  for (size_t r = 1; r < mempool::kAddResults; ++r) {
    if (!screened[r]) continue;
    const std::string reason =
        "screened_" + std::string(mempool::add_result_name(mempool::AddResult(r)));
    tile.dropped(reason, screened[r]);
    Metrics::set_total(
        m.counter("vigil_ingest_dropped_total", "Frames dropped by ingest", {{"reason", reason}}),
        screened[r]);
  }
  // the names the status page and the dashboard read
  Metrics::set_total(m.counter("vigil_ingest_received_total", "Datagrams received"), ic.received);
  Metrics::set_total(m.counter("vigil_ingest_accepted_total", "Frames admitted to a batch"),
                     ic.accepted);
  for (size_t d = 0; d < ingest::kDropReasons; ++d)
    Metrics::set_total(m.counter("vigil_ingest_dropped_total", "Frames dropped by ingest",
                                 {{"reason", std::string(ingest::drop_name(ingest::Drop(d)))}}),
                       ic.dropped[d]);
  Metrics::set_total(m.counter("vigil_ingest_dropped_total", "Frames dropped by ingest",
                               {{"reason", "batch_queue_full"}}),
                     bc.dropped_no_batch + bc.dropped_too_large);
  Metrics::set_total(m.counter("vigil_ingest_dropped_total", "Frames dropped by ingest",
                               {{"reason", "shed_mempool_full"}}),
                     vc.shed);
  // vigil_verifications_total is shared with the consensus lanes: add what is new
  const uint64_t valid = vc.verified + vc.duplicates_after_verify;
  c_valid->Increment(double(valid - verify_published_valid));
  c_invalid->Increment(double(vc.invalid - verify_published_invalid));
  verify_published_valid = valid;
  verify_published_invalid = vc.invalid;
  g_batch_depth->Set(double(sv->in_flight()));
}

void Node::Impl::verify_tile() {
  metrics::TileMetrics tile(m, "verify");
  std::deque<std::vector<uint8_t>> posts;
  uint64_t next_publish = 0;
  sv->run(*port, verify_stop, [&](uint64_t now) {
    posts.clear();
    posted.try_drain(posts);
    for (const auto& p : posts) sv->push(p, 0x7f000001, now);  // no token: unproven
    const bool fwd = take_forwarded(now);
    if (now >= next_publish) {
      publish_verify(tile);
      next_publish = now + 100'000'000;
    }
    return fwd || !posts.empty();
  });
  publish_verify(tile);  // after the drain
}

// --- mempool tile: verified frames -> mempool, forwarded to the peers ----------

void Node::Impl::remember_rejected(const Sig& sig) {
  std::lock_guard lk(state_mu);
  if (!rejected.emplace(sig, true).second) return;
  rejected_order.push_back(sig);
  if (rejected_order.size() > 65536) {
    rejected.erase(rejected_order.front());
    rejected_order.pop_front();
  }
}

// A sender with frames in the pool has its committed nonce there: only a
// new sender costs a ledger read (a RocksDB get, half the tile's time when
// every frame paid it, and a wait on the ledger's lock during a commit).
mempool::AddResult Node::Impl::add_to_pool(std::span<const uint8_t> frame, const mempool::Key& key,
                                           const Sig& sig, std::span<const uint8_t> payload) {
  {
    std::lock_guard lk(pool_mu);
    if (auto next = pool.next_nonce(key)) return pool.add(frame, key, sig, payload, *next);
  }
  const uint64_t committed_nonce = state->nonce(key);
  std::lock_guard lk(pool_mu);
  return pool.add(frame, key, sig, payload, committed_nonce);
}

void Node::Impl::mempool_tile() {
  metrics::TileMetrics tile(m, "mempool");
  Idler idle(s.cfg.idle);
  std::array<sigverify::VerifiedFrame, 64> frames;
  size_t head = 0, held = 0;  // frames[head, held): taken off the ring, not yet in the pool
  uint64_t in = 0, added = 0, busy_ns = 0, forwarded_txs = 0;
  prometheus::Counter& c_forwarded =
      m.counter("vigil_tx_forwarded_total", "Client transactions forwarded to the peers");
  // One forward message, filled as client frames enter the pool.
  std::vector<uint8_t> fwd;
  uint32_t fwd_count = 0;
  Clock::time_point fwd_since{};
  auto flush_forward = [&] {
    if (fwd_count == 0) return;
    vigil_p2p_tx_forward_hdr h{.version = VIGIL_WIRE_VERSION,
                               .type = VIGIL_P2P_MSG_TX_FORWARD,
                               .count = uint16_t(fwd_count),
                               .reserved = 0};
    std::memcpy(fwd.data(), &h, sizeof h);
    network->broadcast(std::make_shared<const std::vector<uint8_t>>(std::move(fwd)));
    forwarded_txs += fwd_count;
    fwd.clear();
    fwd_count = 0;
  };
  auto next_publish = Clock::now();
  for (;;) {
    const bool stopping = mempool_stop.load();  // read first: nothing verified is left behind
    const auto t = Clock::now();
    bool pool_full;
    {
      std::lock_guard lk(pool_mu);
      pool_full = pool.full();
    }
    // A full pool would refuse them: leave them on the ring (backpressure),
    // and a frame it refused as full waits here for room: each verified,
    // so the dedup knows it, and a sender could never get it in again.
    if (head == held && !pool_full) {
      head = 0;
      held = sv->verified().pop_burst(frames);
      in += held;
    }
    const size_t offered_from = head;
    const uint64_t added_before = added;
    sigverify::InvalidSignature bad;
    size_t bad_n = 0;
    while (sv->invalid().pop(bad)) {
      remember_rejected(bad);
      ++bad_n;
    }
    for (; head < held && !pool_full; ++head) {
      const sigverify::VerifiedFrame& f = frames[head];
      ingest::FrameView fv;
      if (ingest::parse_frame(f.frame(), fv) != VIGIL_OK) continue;  // it verified: cannot be
      mempool::Key key;
      Sig sig;
      std::memcpy(key.data(), fv.public_key, 32);
      std::memcpy(sig.data(), fv.signature, 64);
      const mempool::AddResult r = add_to_pool(f.frame(), key, sig, fv.payload);
      if (r == mempool::AddResult::full) {
        pool_full = true;
        break;  // this one again when a commit makes room
      }
      if (r != mempool::AddResult::added) continue;
      ++added;
      // A client's frame goes on to the peers (so it reaches the leaders);
      // a peer's frame is never forwarded again.
      if (is_peer_source(f.source) || set_size.load() < 2) continue;
      if (fwd_count == 0) {
        fwd.resize(sizeof(vigil_p2p_tx_forward_hdr));
        fwd_since = t;
      }
      fwd.insert(fwd.end(), f.bytes.begin(), f.bytes.begin() + f.size);
      if (++fwd_count == VIGIL_P2P_FORWARD_MAX_TXS) flush_forward();
    }
    const size_t n = head - offered_from;
    if (added != added_before) pool_added.notify_all();
    if (fwd_count && (n == 0 || t - fwd_since >= std::chrono::milliseconds(2))) flush_forward();
    if (n || bad_n) busy_ns += elapsed_ns(t);
    if (t >= next_publish || stopping) {
      std::lock_guard lk(pool_mu);
      const auto& pc = pool.counters();
      tile.publish(in, added, double(sv->verified().size()), busy_ns);
      for (size_t r = 1; r < mempool::kAddResults; ++r) {
        const std::string reason(mempool::add_result_name(mempool::AddResult(r)));
        tile.dropped(reason, pc.add[r]);
        Metrics::set_total(m.counter("vigil_mempool_refused_total",
                                     "Verified frames the mempool refused", {{"reason", reason}}),
                           pc.add[r]);
      }
      g_mempool->Set(double(pool.size()));
      Metrics::set_total(c_forwarded, forwarded_txs);
      next_publish = t + std::chrono::milliseconds(100);
    }
    if (n == 0 && bad_n == 0) {
      if (stopping) break;
      idle.wait();
    } else {
      idle.reset();
    }
  }
}

// The signatures in `id` and its ancestors above the committed height: what
// a new child of `id` must not carry again (its chain already does).
mempool::SigSet Node::Impl::uncommitted_sigs(consensus::BlockId id) const {
  mempool::SigSet out;
  const uint64_t committed = state->height();
  for (int depth = 0; depth < 64; ++depth) {
    const consensus::Block* b = state->block(id);
    if (!b || b->hdr.height <= committed) break;
    for (const auto& f : consensus::split_frames(b->txs)) {
      ingest::FrameView v;
      if (ingest::parse_frame(f, v) != VIGIL_OK) continue;
      Sig sig;
      std::memcpy(sig.data(), v.signature, 64);
      out.insert(sig);
    }
    id = consensus::to_id(b->hdr.parent_id);
  }
  return out;
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
// vote) sees the proposal. A frame this node's mempool holds byte for byte
// verified when it entered and is not verified again (the cache is keyed on
// every byte the signature covers). Anything else passes untouched.
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
  std::vector<uint8_t> signed_msgs;
  {
    std::lock_guard lk(pool_mu);
    for (size_t i = 0; ok && i < frames.size(); ++i) {
      ingest::FrameView v;
      ok = ingest::parse_frame(frames[i], v) == VIGIL_OK;
      if (!ok) break;
      Sig sig;
      std::memcpy(sig.data(), v.signature, 64);
      if (pool.holds(sig, frames[i])) {
        ++proposal_frames_cached;
        continue;
      }
      if (signed_msgs.empty()) signed_msgs.resize(frames.size() * ingest::kSignedMessageMax);
      const std::span<uint8_t> out(signed_msgs.data() + i * ingest::kSignedMessageMax,
                                   ingest::kSignedMessageMax);
      items.push_back({v.public_key, v.signature, out.first(ingest::frame_signed_message(v, out))});
    }
  }
  proposal_frames_verified += items.size();
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
    exec_in += a.ok + a.rejected;
    exec_out += a.ok;
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

// Runs at most `max_rounds` rounds of the backlog (the actions an action
// produces are the next round) and leaves the rest for the next call, so a
// validator that drives itself (one validator alone commits without a
// message in between) still reads its events and its stop flag.
//
// Two liberties with the order, both safe: the persists of one round are
// one synced write of the last state (each carries the whole safety state,
// and a later one covers what an earlier one allowed), reported done in
// the order issued, before anything they hold back is sent; and commits
// wait until the backlog is done, so a vote or a proposal never waits on
// the ledger writing an older block.
void Node::Impl::run_actions(size_t max_rounds) {
  for (size_t round = 0; round < max_rounds && !backlog.empty(); ++round) {
    consensus::Actions now;
    now.swap(backlog);
    std::vector<const consensus::PersistAction*> persists;
    for (auto& a : now) {
      if (std::holds_alternative<consensus::SendAction>(a) ||
          std::holds_alternative<consensus::BroadcastAction>(a))
        follow_validator_set();  // before the first message of a new epoch leaves
      if (auto* send = std::get_if<consensus::SendAction>(&a)) {
        log_sync("out to", send->to, *send->bytes);
        network->send(send->to, send->bytes);
        ++consensus_out;
      } else if (auto* bcast = std::get_if<consensus::BroadcastAction>(&a)) {
        network->broadcast(bcast->bytes);
        ++consensus_out;
      } else if (auto* tm = std::get_if<consensus::SetTimerAction>(&a)) {
        timer = Clock::now() + std::chrono::milliseconds(tm->delay);
        timer_token = tm->token;
      } else if (auto* ver = std::get_if<consensus::VerifyAction>(&a)) {
        std::vector<crypto::VerifyItem> items;
        for (const auto& it : ver->items)
          items.push_back({it.public_key.data(), it.signature.data(), *it.message});
        std::vector<uint8_t> valid;
        verify_items(items, &valid, h_verify_msg);
        ++consensus_in;  // the core's inputs: messages, timers, verdicts, persists
        core->on_verified(ver->request, valid, backlog);
      } else if (auto* per = std::get_if<consensus::PersistAction>(&a)) {
        persists.push_back(per);
      } else if (auto* com = std::get_if<consensus::CommitAction>(&a)) {
        deferred_commits.push_back(std::move(com->blocks));
      } else if (auto* lg = std::get_if<consensus::LogAction>(&a)) {
        spdlog::info("{}", lg->line);
      }
    }
    if (persists.empty()) continue;
    state->save_safety(persists.back()->state);  // synced; exits the process if it fails
    safety_writes += 1;
    safety_persists += persists.size();
    for (const auto* per : persists) {
      ++consensus_in;
      core->on_persisted(per->request, backlog);
    }
  }
  run_commits();
  follow_validator_set();
  std::lock_guard lk(status_mu);
  status.epoch = core->epoch();
  status.round = core->round();
}

void Node::Impl::run_commits() {
  for (const auto& blocks : deferred_commits) {
    const auto t = Clock::now();
    std::string err;
    auto applied = state->commit(blocks, &err);
    on_commit(std::move(applied), err);
    exec_busy_ns += elapsed_ns(t);
  }
  deferred_commits.clear();
  // A committed block waiting for its QC: this event may have brought it.
  std::string err;
  auto applied = state->drain(&err);
  if (!applied.empty() || !err.empty()) on_commit(std::move(applied), err);
}

void Node::Impl::consensus_tile() {
  constexpr size_t kRoundsPerTurn = 16;
  core->start(backlog);
  run_actions(kRoundsPerTurn);
  std::deque<PeerMessage> batch;
  auto next_publish = Clock::now();
  while (running.load()) {
    // Wait for a message only when nothing is left to do.
    auto until = Clock::now() + std::chrono::milliseconds(backlog.empty() ? 100 : 0);
    if (timer && *timer < until) until = *timer;
    batch.clear();
    if (until <= Clock::now())
      events.try_drain(batch);
    else
      events.drain(batch, until);
    const auto t = Clock::now();
    const bool work = !batch.empty() || !backlog.empty() || (timer && t >= *timer);
    for (auto& pm : batch) {
      ++consensus_in;
      log_sync("in from", pm.from, pm.bytes);
      if (!check_proposal_frames(pm.bytes)) continue;
      core->on_message(pm.from, pm.bytes, backlog);
      run_actions(kRoundsPerTurn);
    }
    if (timer && Clock::now() >= *timer) {
      ++consensus_in;
      timer.reset();
      core->on_timer(timer_token, backlog);
    }
    run_actions(kRoundsPerTurn);
    if (work) consensus_busy_ns += elapsed_ns(t);
    if (Clock::now() >= next_publish) {
      publish_consensus();
      next_publish = Clock::now() + std::chrono::milliseconds(250);
    }
  }
}

// --- client API ------------------------------------------------------------------

rpc::Response Node::Impl::handle(const rpc::Request& r) {
  const auto t = Clock::now();
  ++rpc_in;
  rpc::Response out = route(r);
  ++rpc_out;
  rpc_busy_ns += elapsed_ns(t);
  return out;
}

rpc::Response Node::Impl::route(const rpc::Request& r) {
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
    if (!posted.push(std::vector<uint8_t>(r.body.begin(), r.body.end()))) {
      ++rpc_intake_full;
      return {503, "application/json", R"({"error":"intake queue full"})"};
    }
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
  json j{{"node", self == ~0u ? json(nullptr) : json(self)},
         {"key", hex(s.key.public_key.data(), 32)},
         {"validator", in_set.load()},
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
