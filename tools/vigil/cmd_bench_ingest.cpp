// vigil bench ingest: frames through a packet port, ingest (address token,
// parse, CRC32C, rate limits, dedup lookup) and the batcher, then the
// post-verification step (dedup record, key charge) as if every signature
// verified; verification itself excluded; on one core.
// Peers in the same run: the port alone (receive and free, no ingest) and
// DPDK's own loopback rate through net_ring (inject, receive, free), the
// ceiling for anything behind a DPDK port on this machine.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_output.hpp"
#include "command.hpp"
#include "drivers/net/pcap_port.hpp"
#include "drivers/net/udp_encap.hpp"
#include "drivers/net/udp_port.hpp"
#include "host/batch/batcher.hpp"
#include "host/ingest/ingest.hpp"
#include "host/ingest/traffic.hpp"
#ifdef VIGIL_HAVE_DPDK
#include "drivers/net/dpdk_port.hpp"
#endif

namespace {

using namespace vigil;
using Clock = std::chrono::steady_clock;

struct Options {
  std::vector<std::string> ports{"dpdk"};
  double seconds = 2.0;
  double invalid_share = 0.0;
  bool json = false;
  size_t frames = 1 << 16;
  size_t dedup_depth = 1 << 14;
  uint32_t payload = 64;
  uint32_t sources = 256;
  uint32_t batch = 1024;
  bool rate_limits = true;
  std::string pcap_file;  // --port pcap replays this capture instead of the synthetic frames
  tool::BenchOutput out;  // --csv, --plot
};

uint64_t now_ns() {
  return uint64_t(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

// CPU time of the calling thread: rates per core stay meaningful when other
// processes share the machine's cores (wall-clock rates are printed too).
uint64_t cpu_ns() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

// A measured loop's wall and CPU seconds.
struct Span {
  uint64_t wall0 = now_ns(), cpu0 = cpu_ns();
  uint64_t wall1 = 0, cpu1 = 0;
  Span& stop() {
    wall1 = now_ns();
    cpu1 = cpu_ns();
    return *this;
  }
  double wall() const { return double(wall1 - wall0) / 1e9; }
  double cpu() const { return double(cpu1 - cpu0) / 1e9; }
};

uint64_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * uint64_t(sysconf(_SC_PAGESIZE));
}

// The frames every port replays: `frames` distinct ones, a share of them
// malformed (every junk kind in turn), spread over `sources` addresses and
// as many sender keys.
struct Corpus {
  std::vector<std::vector<uint8_t>> frames;
  std::vector<uint32_t> src;
  std::vector<net::OutPacket> packets() const {
    std::vector<net::OutPacket> out(frames.size());
    for (size_t i = 0; i < frames.size(); ++i)
      out[i] = {frames[i], src[i], uint16_t(9000 + i % 64), 0x0a0000fe, 9000, 1000 * (i + 1)};
    return out;
  }
};

// A fixed seed: the corpus carries tokens the measured Ingest accepts.
constexpr uint64_t kBenchSeed = 0x62656e6368;

Corpus make_corpus(const Options& o) {
  std::vector<crypto::Keypair> keys;
  for (uint32_t i = 0; i < o.sources; ++i) keys.push_back(ingest::sender_keypair(42, i));
  ingest::TrafficGen gen({.payload_len = o.payload, .seed = 42}, std::move(keys),
                         ingest::Signing::random);
  ingest::IngestConfig ic;
  ic.seed = kBenchSeed;
  ic.dedup_depth = 1;
  const ingest::Ingest minter(ic);
  Corpus c;
  c.frames.reserve(o.frames);
  std::vector<uint8_t> buf(ingest::TrafficGen::kMaxFrame);
  const uint64_t invalid_per_million = uint64_t(o.invalid_share * 1e6);
  const uint64_t t = now_ns();
  for (size_t i = 0; i < o.frames; ++i) {
    // Evenly spread: frame i is junk when the running share falls behind.
    const bool junk = (i + 1) * invalid_per_million / 1000000 > i * invalid_per_million / 1000000;
    const size_t n = gen.make(junk ? ingest::TrafficKind::junk : ingest::TrafficKind::valid, buf);
    const uint32_t src = 0x0a010000u + uint32_t(i % o.sources);
    // Every source proves its address (the token check runs per frame).
    vigil_addr_token tok = minter.make_token(src, t);
    tok.kind = VIGIL_ADDR_TOKEN_FRAME;
    std::vector<uint8_t> f(reinterpret_cast<const uint8_t*>(&tok),
                           reinterpret_cast<const uint8_t*>(&tok) + sizeof tok);
    f.insert(f.end(), buf.begin(), buf.begin() + ptrdiff_t(n));
    c.frames.push_back(std::move(f));
    c.src.push_back(src);
  }
  return c;
}

// Ingest and batcher, with a consumer that takes every batch at once.
struct Pipeline {
  ingest::Ingest ing;
  batch::Batcher batcher;
  uint64_t batched = 0;

  explicit Pipeline(const Options& o)
      : ing(ingest_config(o)),
        batcher({.max_items = o.batch,
                 .max_msg_bytes = o.batch * uint32_t(ingest::signed_message_size(o.payload)),
                 .deadline_us = 500,
                 .pool = 8}) {}

  static ingest::IngestConfig ingest_config(const Options& o) {
    ingest::IngestConfig c;
    c.seed = kBenchSeed;
    c.dedup_depth = o.dedup_depth;
    c.rate_limits = o.rate_limits;
    // Budgets far above what one core can send: the lookups run, nothing
    // honest is limited.
    c.by_source = {
        .entries = 1 << 12, .rate_per_sec = 10'000'000, .burst = 1'000'000, .initial = 1'000'000};
    c.by_key = {
        .entries = 1 << 12, .rate_per_sec = 10'000'000, .burst = 1'000'000, .initial = 1'000'000};
    return c;
  }

  // As the verify tile (host/sigverify) does it: a burst through ingest at
  // once, then into the batcher.
  void process(std::span<const net::Packet> pkts, uint64_t t_ns) {
    std::array<ingest::Datagram, net::kBurst> in;
    std::array<ingest::FrameView, net::kBurst> views;
    std::array<vigil_error, net::kBurst> verdicts;
    for (size_t off = 0; off < pkts.size(); off += in.size()) {
      const size_t n = std::min(in.size(), pkts.size() - off);
      for (size_t i = 0; i < n; ++i) in[i] = {pkts[off + i].bytes(), pkts[off + i].src_addr};
      ing.admit_burst({in.data(), n}, t_ns, views, verdicts);
      for (size_t i = 0; i < n; ++i)
        if (verdicts[i] == VIGIL_OK) batcher.add(views[i], views[i].source, t_ns / 1000);
    }
    batcher.poll(t_ns / 1000);
    batch::Batch* b;
    while (batcher.ready().pop(b)) {
      batched += b->count();
      // As if every signature verified: the dedup record and key charge.
      for (uint32_t i = 0, n = b->count(); i < n; ++i) {
        if (i + 8 < n) ing.prefetch(b->ticket(i + 8));  // as the verify tile does
        ing.record_verified(b->ticket(i), t_ns);
      }
      batcher.recycle(b);
    }
  }
};

struct Row {
  std::string port;
  double frames_per_sec = 0;  // per CPU-second of the measured thread
  double frames_per_wall_sec = 0;
  std::optional<double> ceiling_per_sec;  // DPDK net_ring loopback, per CPU-second
  double port_only_per_sec = 0;           // the same port without ingest
  uint64_t frames = 0;
  uint64_t accepted = 0;
  uint64_t batched = 0;
  uint64_t dropped = 0;
  nlohmann::json drops = nlohmann::json::object();
  uint64_t port_dropped = 0;
  std::optional<double> concurrent_wall_per_sec;  // udp: sender thread + receiver
  uint64_t rss = 0;
  uint64_t state_bytes = 0;
  std::string note;
};

void fill_from(Row& r, const Pipeline& p, uint64_t frames, const Span& span) {
  const ingest::IngestCounters& c = p.ing.counters();
  r.frames = frames;
  r.frames_per_sec = double(frames) / span.cpu();
  r.frames_per_wall_sec = double(frames) / span.wall();
  r.accepted = c.accepted;
  r.batched = p.batched;
  r.dropped = c.dropped_total() + p.batcher.counters().dropped_no_batch +
              p.batcher.counters().dropped_too_large;
  for (size_t d = 0; d < ingest::kDropReasons; ++d)
    if (c.dropped[d]) r.drops[std::string(ingest::drop_name(ingest::Drop(d)))] = c.dropped[d];
  if (p.batcher.counters().dropped_no_batch)
    r.drops["queue_full"] = p.batcher.counters().dropped_no_batch;
  r.state_bytes = p.ing.memory_bytes() + p.batcher.memory_bytes();
  r.rss = rss_bytes();
}

#ifdef VIGIL_HAVE_DPDK
// EAL once per process: every DPDK measurement of this run shares it.
bool eal_up(std::string& err) {
  const std::vector<std::string> args = net::dpdk_test_eal_args();
  return net::dpdk_eal_init(args, err);
}

std::unique_ptr<net::DpdkPort> open_ring(const Options&, const Corpus& c, std::string& err) {
  if (!eal_up(err)) return nullptr;
  size_t frame_max = 0;
  for (const auto& f : c.frames) frame_max = std::max(frame_max, f.size());
  net::DpdkConfig cfg;
  cfg.device = "net_ring0";
  // inject() copies into fresh mbufs: only what is in flight needs one.
  cfg.mbufs = 8191;
  cfg.data_room = uint16_t(128 + ((frame_max + net::kEncapLen + 63) & ~size_t(63)));
  auto port = net::DpdkPort::open(cfg, err);
  if (port && !port->preload(c.packets(), err)) return nullptr;
  return port;
}

double dpdk_ceiling(net::DpdkPort& port, double seconds) {
  uint64_t n = 0;
  Span span;
  const uint64_t stop = span.wall0 + uint64_t(seconds * 1e9);
  for (uint64_t t = span.wall0; t < stop;) {
    n += port.loopback_burst();
    t = now_ns();  // read per burst, as the measured loops do
  }
  return double(n) / span.stop().cpu();
}
#endif

std::optional<double> measure_ceiling(const Options& o, const Corpus& c, std::string& why) {
#ifdef VIGIL_HAVE_DPDK
  auto port = open_ring(o, c, why);
  if (!port) return std::nullopt;
  return dpdk_ceiling(*port, o.seconds);
#else
  (void)o;
  (void)c;
  why = "this build has no DPDK";
  return std::nullopt;
#endif
}

Row bench_dpdk(const Options& o, const Corpus& c) {
  Row r{.port = "dpdk"};
#ifdef VIGIL_HAVE_DPDK
  std::string err;
  auto port = open_ring(o, c, err);
  if (!port) {
    r.note = err;
    return r;
  }
  r.ceiling_per_sec = dpdk_ceiling(*port, o.seconds);
  r.port_only_per_sec = *r.ceiling_per_sec;
  Pipeline p(o);
  std::vector<net::Packet> burst(net::kBurst);
  uint64_t frames = 0;
  Span span;
  const uint64_t stop = span.wall0 + uint64_t(o.seconds * 1e9);
  for (uint64_t t = span.wall0; t < stop;) {
    port->inject(net::kBurst);
    const size_t n = port->rx_burst(burst);
    t = now_ns();
    p.process({burst.data(), n}, t);
    frames += n;
  }
  fill_from(r, p, frames, span.stop());
  const net::PortStats s = port->stats();
  r.port_dropped = s.rx_missed + s.rx_not_udp + s.rx_truncated;
  r.note = "net_ring0, one core: inject (copy into fresh mbufs), rx burst, parse, ingest, batch";
#else
  (void)o;
  (void)c;
  r.note = "this build has no DPDK";
#endif
  return r;
}

// UDP on loopback, two ways. "drain": this thread fills the receive socket
// (unmeasured), then drains it through the pipeline (measured): the
// receiving core's own rate, free of the sender, which on loopback does the
// kernel's delivery work in its own system calls. "concurrent": a sender
// thread floods while this thread receives: the end-to-end wall rate two
// cores give.
Row bench_udp(const Options& o, const Corpus& c, std::optional<double> ceiling) {
  Row r{.port = "udp", .ceiling_per_sec = ceiling};
  std::string err;
  auto rx = net::UdpPort::open({}, err);
  auto tx = rx ? net::UdpPort::open({.default_dst_port = rx->local_port()}, err) : nullptr;
  if (!rx || !tx) {
    r.note = err;
    return r;
  }
  std::vector<net::OutPacket> pk = c.packets();
  for (auto& q : pk) q.dst_addr = 0;  // to the receiver
  std::vector<net::Packet> burst(net::kBurst);

  // Returns frames drained and the measured CPU and wall nanoseconds.
  auto drain = [&](Pipeline* p) {
    uint64_t frames = 0, cpu = 0, wall = 0, fill = 16384;
    size_t next = 0;
    const uint64_t stop_at = now_ns() + uint64_t(o.seconds * 1e9);
    while (now_ns() < stop_at) {
      const uint64_t missed = rx->stats().rx_missed;
      for (uint64_t sent = 0; sent < fill;) {
        const size_t n = std::min(net::kBurst, pk.size() - next);
        const size_t k = tx->tx_burst(std::span(pk).subspan(next, n));
        if (k == 0) break;
        sent += k;
        next = (next + k) % pk.size();
      }
      Span span;
      for (size_t n; (n = rx->rx_burst(burst)) != 0; frames += n) {
        if (p) p->process({burst.data(), n}, now_ns());
      }
      span.stop();
      cpu += span.cpu1 - span.cpu0;
      wall += span.wall1 - span.wall0;
      if (rx->stats().rx_missed != missed && fill > 1024) fill /= 2;  // the buffer overflowed
    }
    return std::tuple{frames, cpu, wall};
  };
  const auto [bare, bare_cpu, bare_wall] = drain(nullptr);
  (void)bare_wall;
  r.port_only_per_sec = double(bare) * 1e9 / double(bare_cpu);
  Pipeline p(o);
  const uint64_t missed_before = rx->stats().rx_missed;
  const auto [frames, cpu, wall] = drain(&p);
  Span span;
  span.cpu1 = span.cpu0 + cpu;
  span.wall1 = span.wall0 + wall;
  fill_from(r, p, frames, span);
  r.port_dropped = rx->stats().rx_missed - missed_before;

  // Concurrent: sender thread and receiver, wall clock.
  std::atomic<bool> stop{false};
  std::thread sender([&] {
    size_t next = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      const size_t n = std::min(net::kBurst, pk.size() - next);
      next = (next + tx->tx_burst(std::span(pk).subspan(next, n))) % pk.size();
    }
  });
  Pipeline p2(o);
  uint64_t got = 0;
  Span cspan;
  for (uint64_t t = cspan.wall0, stop_at = t + uint64_t(o.seconds * 1e9); t < stop_at;) {
    const size_t n = rx->rx_burst(burst);
    t = now_ns();
    p2.process({burst.data(), n}, t);
    got += n;
  }
  cspan.stop();
  stop = true;
  sender.join();
  while (rx->rx_burst(burst)) {
  }
  r.concurrent_wall_per_sec = double(got) / cspan.wall();
  r.note = "127.0.0.1, recvmmsg bursts of 32; rates: socket filled, then drained by one core";
  return r;
}

Row bench_pcap(const Options& o, const Corpus& c, std::optional<double> ceiling) {
  Row r{.port = "pcap", .ceiling_per_sec = ceiling};
  std::string err;
  const bool own_file = o.pcap_file.empty();
  const std::string path = own_file ? (std::filesystem::temp_directory_path() /
                                       ("vigil_bench_" + std::to_string(getpid()) + ".pcap"))
                                          .string()
                                    : o.pcap_file;
  if (own_file) {
    auto w = net::PcapPort::open({.write_path = path}, err);
    if (!w) {
      r.note = err;
      return r;
    }
    std::vector<net::OutPacket> pk = c.packets();
    w->tx_burst(pk);
  }
  if (!net::PcapPort::open({.read_path = path}, err)) {
    r.note = err;
    return r;
  }
  auto run = [&](Pipeline* p) {
    auto port = net::PcapPort::open({.read_path = path, .loops = 0}, err);
    std::vector<net::Packet> burst(net::kBurst);
    uint64_t frames = 0;
    Span span;
    const uint64_t stop_at = span.wall0 + uint64_t(o.seconds * 1e9);
    for (uint64_t t = span.wall0; t < stop_at;) {
      const size_t n = port->rx_burst(burst);
      t = now_ns();
      if (p) p->process({burst.data(), n}, t);
      frames += n;
    }
    return std::pair{frames, span.stop()};
  };
  const auto [bare, bare_span] = run(nullptr);
  r.port_only_per_sec = double(bare) / bare_span.cpu();
  Pipeline p(o);
  const auto [frames, secs] = run(&p);
  fill_from(r, p, frames, secs);
  if (own_file) std::filesystem::remove(path);
  r.note = (own_file ? std::string("synthetic capture") : path) +
           " loaded in memory, replayed at full speed in a loop";
  return r;
}

// Ingest rate by port, next to the port alone and the DPDK ceiling: a bar
// group per port (a missing ceiling is a gap).
bool emit_plot(const Options& o, const std::vector<Row>& rows) {
  plot::Table t{.columns = {"port", "measure", "frames_per_sec"}};
  for (const Row& r : rows) {
    t.add_row({r.port, "port + ingest + batcher", tool::cell(r.frames_per_sec)});
    t.add_row({r.port, "port alone", tool::cell(r.port_only_per_sec)});
    t.add_row({r.port, "DPDK net_ring ceiling", tool::cell(r.ceiling_per_sec.value_or(NAN))});
  }
  const plot::Chart chart{.kind = plot::Chart::Kind::bars,
                          .title = "Ingest rate by port (one core)",
                          .x = "port",
                          .y = "frames_per_sec",
                          .series = "measure",
                          .ylabel = "frames per CPU-second"};
  return o.out.emit(t, chart);
}

void run_bench(const Options& o) {
  const Corpus corpus = make_corpus(o);
  std::vector<Row> rows;
  std::optional<double> ceiling;
  std::string why;
  for (const std::string& port : o.ports) {
    if (port == "dpdk") {
      rows.push_back(bench_dpdk(o, corpus));
      if (rows.back().ceiling_per_sec) ceiling = rows.back().ceiling_per_sec;
      continue;
    }
    if (!ceiling && why.empty()) {
      ceiling = measure_ceiling(o, corpus, why);
    }
    if (port == "udp") rows.push_back(bench_udp(o, corpus, ceiling));
    if (port == "pcap") rows.push_back(bench_pcap(o, corpus, ceiling));
    if (!ceiling) rows.back().note += "; no DPDK ceiling: " + why;
  }
  if (o.out.wanted() && !emit_plot(o, rows)) tool::exit_status() = 1;
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const Row& r : rows) {
      nlohmann::json j{{"port", r.port},
                       {"frames_per_sec", r.frames_per_sec},
                       {"frames_per_wall_sec", r.frames_per_wall_sec},
                       {"ceiling_per_sec", r.ceiling_per_sec ? nlohmann::json(*r.ceiling_per_sec)
                                                             : nlohmann::json(nullptr)},
                       {"port_only_per_sec", r.port_only_per_sec},
                       {"cores", 1},
                       {"seconds", o.seconds},
                       {"invalid_share", o.invalid_share},
                       {"frames", r.frames},
                       {"accepted", r.accepted},
                       {"batched", r.batched},
                       {"dropped", r.dropped},
                       {"drops", r.drops},
                       {"port_dropped", r.port_dropped},
                       {"rss_bytes", r.rss},
                       {"state_bytes", r.state_bytes},
                       {"distinct_frames", o.frames},
                       {"dedup_depth", o.dedup_depth},
                       {"rate_limits", o.rate_limits},
                       {"note", r.note}};
      if (r.concurrent_wall_per_sec) j["concurrent_wall_per_sec"] = *r.concurrent_wall_per_sec;
      if (r.ceiling_per_sec && *r.ceiling_per_sec > 0)
        j["fraction_of_ceiling"] = r.frames_per_sec / *r.ceiling_per_sec;
      out.push_back(j);
    }
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  std::printf(
      "vigil bench ingest: %zu distinct frames (payload %u B), invalid share %.2f, %.1f s "
      "per measurement, dedup depth %zu, rate limits %s\n",
      o.frames, o.payload, o.invalid_share, o.seconds, o.dedup_depth, o.rate_limits ? "on" : "off");
  std::printf(
      "rates per CPU-second of the measured thread (wall-clock rate in the wall/s column)\n");
  std::printf("%-6s %14s %12s %14s %14s %8s %12s %10s %10s\n", "port", "frames/s/core", "wall/s",
              "port alone/s", "DPDK ceil/s", "of ceil", "dropped", "RSS MiB", "state MiB");
  for (const Row& r : rows) {
    char ceil[32] = "-", frac[16] = "-";
    if (r.ceiling_per_sec) {
      std::snprintf(ceil, sizeof ceil, "%.0f", *r.ceiling_per_sec);
      std::snprintf(frac, sizeof frac, "%.1f%%", 100.0 * r.frames_per_sec / *r.ceiling_per_sec);
    }
    std::printf("%-6s %14.0f %12.0f %14.0f %14s %8s %12llu %10.1f %10.1f\n", r.port.c_str(),
                r.frames_per_sec, r.frames_per_wall_sec, r.port_only_per_sec, ceil, frac,
                (unsigned long long)r.dropped, double(r.rss) / (1 << 20),
                double(r.state_bytes) / (1 << 20));
    for (auto& [k, v] : r.drops.items())
      std::printf("         drop %-20s %llu\n", k.c_str(), (unsigned long long)v.get<uint64_t>());
    if (r.concurrent_wall_per_sec)
      std::printf("         sender thread + receiver at once: %.0f frames/s wall\n",
                  *r.concurrent_wall_per_sec);
    if (!r.note.empty()) std::printf("         (%s)\n", r.note.c_str());
  }
}

const bool registered = tool::register_command(
    {"ingest", "Frames/s through port, ingest and batcher vs DPDK's own rate", "bench",
     [](CLI::App& app) {
       auto o = std::make_shared<Options>();
       app.add_option("--port", o->ports, "dpdk, udp or pcap (repeatable)")
           ->check(CLI::IsMember({"dpdk", "udp", "pcap"}));
       app.add_option("--seconds", o->seconds, "seconds per measurement")
           ->check(CLI::Range(0.01, 600.0));
       app.add_option("--invalid-share", o->invalid_share, "share of malformed frames (0..1)")
           ->check(CLI::Range(0.0, 1.0));
       app.add_flag("--json", o->json, "print rows as a JSON array");
       app.add_option("--frames", o->frames, "distinct frames replayed")
           ->check(CLI::Range(1024, 1 << 22));
       app.add_option("--dedup-depth", o->dedup_depth, "signatures remembered")
           ->check(CLI::Range(1, 1 << 24));
       app.add_option("--payload", o->payload, "payload bytes")->check(CLI::Range(16, 1024));
       app.add_option("--sources", o->sources, "source addresses and sender keys")
           ->check(CLI::Range(1, 65536));
       app.add_option("--batch", o->batch, "items per batch")->check(CLI::Range(1, 65536));
       app.add_option("--pcap", o->pcap_file,
                      "with --port pcap: replay this capture (vigil loadgen)");
       app.add_flag("!--no-rate-limits", o->rate_limits, "skip the token-bucket lookups");
       o->out.add_options(app);
       app.callback([o] { run_bench(*o); });
     }});

}  // namespace
