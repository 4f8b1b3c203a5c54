// vigil bench service: the accelerator service over loopback against the
// same engine in-process, in one run. For each request size (--sizes) it
// measures
//   in-process  batches of that size submitted straight to the engine,
//               --in-flight at once, marked bulk (the large lane, all
//               workers): the engine's own rate and latency
//   service     --clients clients (1 and 32 by default), each its own
//               connection keeping --depth requests in flight through the
//               client library to a `vigil serve` in this process
// and prints rates, p50/p99 latency (request to verdict) and the ratio
// service / in-process. A last line compares 32 clients sending 16-signature
// requests (the coalescer's case) with in-process batches of 256. Every
// signature is valid; a verdict that is not, or one verified locally
// instead of by the service, makes the run fail.
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_output.hpp"
#include "command.hpp"
#include "drivers/accel/accelerator.hpp"
#include "host/affinity/pin.hpp"
#include "host/client/client.hpp"
#include "host/service/endpoint.hpp"
#include "host/service/server.hpp"
#include "progress.hpp"

namespace {

using namespace vigil;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string engine = "auto", rules = "zip215", sizes = "1,16,64,256,4096", clients = "1,32";
  double seconds = 2.0;
  unsigned in_flight = 0;  // 0: engine workers + 2
  unsigned depth = 4;
  int engine_cpu = -1;    // -1: nothing pinned
  tool::BenchOutput out;  // --csv, --plot
};

// --engine-cpu N: the engine's threads run on CPU N alone (one worker) and
// everything else (clients, the server's I/O and coalescer, the in-process
// submitter) on the other CPUs, so that both sides of the ratio have the
// same verification capacity and the clients' CPU never comes out of the
// engine's: on a small machine, where the clients share the cores, that is
// the only fair comparison. Threads inherit the mask of the thread that
// starts them, so the main thread switches masks around the engine's start.
bool pin_for_engine(int cpu, bool engine_side, std::string* why) {
  if (engine_side) return affinity::pin_this_thread(cpu, why);
  cpu_set_t set;
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  CPU_ZERO(&set);
  for (long c = 0; c < n; ++c)
    if (c != cpu) CPU_SET(int(c), &set);
  if (CPU_COUNT(&set) == 0 || sched_setaffinity(0, sizeof set, &set) != 0)
    return *why = "no CPU left for the clients besides " + std::to_string(cpu), false;
  return true;
}

struct Work {
  std::vector<crypto::Keypair> keys;
  std::vector<std::array<uint8_t, 64>> msg;
  std::vector<crypto::Signature> sig;
  std::vector<crypto::VerifyItem> items;  // cycled through
};

Work make_work(size_t n) {
  Work w;
  w.keys.resize(n);
  w.msg.resize(n);
  w.sig.resize(n);
  for (size_t i = 0; i < n; ++i) {
    crypto::Seed seed{};
    for (size_t b = 0; b < 8; ++b) seed[b] = uint8_t(i >> (8 * b));
    seed[31] = 0x5e;
    w.keys[i] = crypto::keypair_from_seed(seed);
    for (size_t b = 0; b < 64; ++b) w.msg[i][b] = uint8_t(i * 7 + b);
    w.sig[i] = crypto::sign(w.keys[i], w.msg[i]);
  }
  for (size_t i = 0; i < n; ++i)
    w.items.push_back({w.keys[i].public_key.data(), w.sig[i].data(), w.msg[i]});
  return w;
}

struct Figures {
  double per_sec = 0, p50_us = 0, p99_us = 0;
  bool failed = false;
};

void percentiles(std::vector<double>& lat, Figures& f) {
  if (lat.empty()) return;
  std::sort(lat.begin(), lat.end());
  f.p50_us = lat[lat.size() / 2];
  f.p99_us = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
}

// Batches of `size` straight into the engine, `depth` at once.
Figures in_process(accel::Accelerator& acc, const Work& w, uint32_t size, crypto::Rules rules,
                   unsigned depth, double seconds) {
  std::vector<std::unique_ptr<accel::BatchBuffer>> batches;
  for (unsigned k = 0; k < depth; ++k) {
    auto b = std::make_unique<accel::BatchBuffer>(size, size * 64);
    b->clear(rules);
    for (uint32_t i = 0; i < size; ++i) b->add(w.items[(k * size + i) % w.items.size()]);
    b->seal(/*bulk=*/true);  // every worker, as the service's coalesced batches get
    batches.push_back(std::move(b));
  }
  std::vector<accel::Completion> done(depth);
  struct InFlight {
    unsigned k;
    Clock::time_point t0;
    std::future<void> f;
  };
  std::deque<InFlight> q;
  std::vector<double> lat;
  Figures f;
  uint64_t verified = 0;
  unsigned next = 0;
  const auto t0 = Clock::now();
  const auto until = t0 + std::chrono::duration<double>(seconds);
  auto retire = [&] {
    auto& x = q.front();
    x.f.get();
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - x.t0).count());
    f.failed |= done[x.k].summary.valid != size;
    verified += size;
    next = x.k;
    q.pop_front();
  };
  for (unsigned k = 0; k < depth; ++k)
    q.push_back({k, Clock::now(), acc.submit(*batches[k], done[k])});
  while (Clock::now() < until) {
    retire();
    q.push_back({next, Clock::now(), acc.submit(*batches[next], done[next])});
  }
  while (!q.empty()) retire();
  f.per_sec = double(verified) / std::chrono::duration<double>(Clock::now() - t0).count();
  percentiles(lat, f);
  return f;
}

// `clients` clients, each keeping `depth` requests of `size` in flight.
Figures service(const std::vector<std::unique_ptr<client::Client>>& clients, const Work& w,
                uint32_t size, crypto::Rules rules, unsigned depth, double seconds) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<double> lat;
  std::atomic<uint64_t> verified{0}, outstanding{0};
  std::atomic<bool> failed{false}, stop{false};
  struct Loop {
    client::Client* c;
    std::vector<crypto::VerifyItem> items;
  };
  std::vector<std::unique_ptr<Loop>> loops;
  for (size_t i = 0; i < clients.size(); ++i) {
    auto l = std::make_unique<Loop>();
    l->c = clients[i].get();
    for (uint32_t k = 0; k < size; ++k)
      l->items.push_back(w.items[(i * size + k) % w.items.size()]);
    loops.push_back(std::move(l));
  }
  std::function<void(Loop*)> issue = [&](Loop* l) {
    ++outstanding;
    const auto t0 = Clock::now();
    l->c->verify_async(l->items, rules, [&, l, t0](client::Result&& r) {
      const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
      bool ok = r.status == VIGIL_OK && r.source == client::Source::remote;
      for (uint32_t i = 0; ok && i < size; ++i) ok = r.valid(i);
      if (!ok) failed = true;
      {
        std::lock_guard lk(mu);
        lat.push_back(us);
      }
      verified += size;
      if (!stop) issue(l);
      if (--outstanding == 0) cv.notify_all();
    });
  };
  const auto t0 = Clock::now();
  for (auto& l : loops)
    for (unsigned d = 0; d < depth; ++d) issue(l.get());
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return outstanding == 0; });
  }
  Figures f;
  f.per_sec = double(verified) / std::chrono::duration<double>(Clock::now() - t0).count();
  f.failed = failed;
  percentiles(lat, f);
  return f;
}

bool parse_numbers(const std::string& text, std::vector<uint32_t>& out, uint32_t most) {
  for (const auto& tok : service::split_list(text)) {
    char* end = nullptr;
    const unsigned long v = std::strtoul(tok.c_str(), &end, 10);
    if (*end != '\0' || v == 0 || v > most) return false;
    out.push_back(uint32_t(v));
  }
  return !out.empty();
}

// Throughput and latency by request size: a line for the engine in-process
// and one per client count through the service.
void add_plot_row(plot::Table& t, const std::string& path, uint32_t size, const Figures& f) {
  t.add_row({path, std::to_string(size), tool::cell(f.per_sec), tool::cell(f.p50_us),
             tool::cell(f.p99_us)});
}

const auto service_charts =
    tool::rate_latency_charts("Service throughput by request size", "Request latency (p50)", "size",
                              "signatures per request", "p50_us");

int bench_service(const Options& o) {
  std::vector<uint32_t> sizes, client_counts;
  if (!parse_numbers(o.sizes, sizes, 16384) || !parse_numbers(o.clients, client_counts, 256)) {
    std::fprintf(stderr,
                 "vigil bench service: --sizes (1..16384) and --clients (1..256) want "
                 "comma-separated numbers\n");
    return 2;
  }
  const auto rules = *crypto::parse_rules(o.rules);
  accel::Options ao;
  ao.workers = o.engine_cpu >= 0 ? 1u : std::max(1u, std::thread::hardware_concurrency());
  const unsigned in_flight = o.in_flight ? o.in_flight : ao.workers + 2;
  ao.max_in_flight = in_flight;
  std::string why;
  if (o.engine_cpu >= 0 && !pin_for_engine(o.engine_cpu, true, &why)) {
    std::fprintf(stderr, "vigil bench service: --engine-cpu: %s\n", why.c_str());
    return 2;
  }
  auto engine = accel::make_accelerator(o.engine, ao, &why);
  if (!engine) {
    std::fprintf(stderr, "vigil bench service: engine %s unavailable: %s\n", o.engine.c_str(),
                 why.c_str());
    return 2;
  }
  if (o.engine_cpu >= 0 && !pin_for_engine(o.engine_cpu, false, &why)) {
    std::fprintf(stderr, "vigil bench service: --engine-cpu: %s\n", why.c_str());
    return 2;
  }
  if (o.engine_cpu >= 0)
    std::printf("engine threads on cpu %d (1 worker); clients, server and submitter elsewhere\n",
                o.engine_cpu);
  const uint32_t max_clients = *std::max_element(client_counts.begin(), client_counts.end());
  std::vector<crypto::Keypair> client_keys;
  service::ServerOptions so;
  so.key = crypto::generate_keypair();
  for (uint32_t i = 0; i < max_clients; ++i) {
    client_keys.push_back(crypto::generate_keypair());
    so.allow[client_keys.back().public_key] = {};
  }
  so.limits.max_in_flight = std::max(64u, o.depth);
  // Room for every request the clients keep in flight (32 x 4 x 4096
  // signatures at most by default): the bench measures throughput, not
  // OVERLOADED answers, which the client would verify locally.
  const uint64_t most = uint64_t(max_clients) * o.depth * 16384;
  so.coalescer.queue_signatures = std::max<uint64_t>(so.coalescer.queue_signatures, most);
  so.coalescer.queue_bytes = std::max<uint64_t>(so.coalescer.queue_bytes, most * 200);
  so.coalescer.flights = in_flight;
  auto server = service::Server::start(*engine, so, &why);
  if (!server) {
    std::fprintf(stderr, "vigil bench service: %s\n", why.c_str());
    return 2;
  }
  const std::string where = "127.0.0.1:" + std::to_string(server->port());
  const Work w = make_work(4096);
  std::printf(
      "engine: %s, rules %s, %u batches in flight in-process; service on %s, each client "
      "%u requests in flight; %.1f s per row\n",
      engine->capabilities().name.c_str(), o.rules.c_str(), in_flight, where.c_str(), o.depth,
      o.seconds);
  std::printf("%6s %7s | %12s %9s %9s | %12s %9s %9s | %6s\n", "size", "clients", "in-proc/s",
              "p50 us", "p99 us", "service/s", "p50 us", "p99 us", "ratio");
  bool failed = false;
  std::map<uint32_t, Figures> local;
  std::map<std::pair<uint32_t, uint32_t>, Figures> remote;
  plot::Table table{.columns = {"path", "size", "per_sec", "p50_us", "p99_us"}};
  tool::Progress bar("bench service", client_counts.size() * sizes.size());
  for (uint32_t count : client_counts) {
    std::vector<std::unique_ptr<client::Client>> clients;
    for (uint32_t i = 0; i < count; ++i) {
      client::ClientOptions co;
      co.servers = {where};
      co.key = client_keys[i];
      co.deadline = std::chrono::milliseconds(30000);
      co.heartbeat = std::chrono::seconds(5);  // a loaded machine answers pings late
      co.local_fallback = true;                // counted: a locally verified answer fails the run
      clients.push_back(client::Client::open(co, &why));
    }
    for (uint32_t size : sizes) {
      bar.update(table.rows.size(), std::to_string(count) + " x " + std::to_string(size));
      if (!local.count(size))
        local[size] = in_process(*engine, w, size, rules, in_flight, o.seconds);
      const Figures& in = local[size];
      const Figures sv = service(clients, w, size, rules, o.depth, o.seconds);
      remote[{size, count}] = sv;
      failed |= in.failed || sv.failed;
      add_plot_row(table, std::to_string(count) + " client(s), service", size, sv);
      bar.finish();  // the row takes the progress line's place
      std::printf("%6u %7u | %12.0f %9.0f %9.0f | %12.0f %9.0f %9.0f | %6.2f%s\n", size, count,
                  in.per_sec, in.p50_us, in.p99_us, sv.per_sec, sv.p50_us, sv.p99_us,
                  sv.per_sec / in.per_sec, sv.failed ? "  FAILED" : "");
      std::fflush(stdout);
    }
  }
  if (remote.count({16, 32}) && local.count(256))
    std::printf(
        "coalescing: 32 clients x 16 signatures %.0f/s vs in-process batches of 256 "
        "%.0f/s: %.2f\n",
        remote[{16, 32}].per_sec, local[256].per_sec,
        remote[{16, 32}].per_sec / local[256].per_sec);
  const auto cs = server->coalescer_stats();
  std::printf(
      "server: %llu requests in %llu engine batches (%.1f signatures per batch), %llu "
      "overloaded\n",
      (unsigned long long)cs.accepted, (unsigned long long)cs.batches,
      cs.batches ? double(cs.signatures) / double(cs.batches) : 0.0,
      (unsigned long long)cs.overloaded);
  for (const auto& [size, in] : local) add_plot_row(table, "in-process", size, in);
  const bool written = !o.out.wanted() || o.out.emit(table, service_charts);
  if (failed) std::fprintf(stderr, "vigil bench service: a verdict was wrong or local\n");
  return failed || !written ? 1 : 0;
}

const bool registered = vigil::tool::register_command(
    {"service", "The accelerator service over loopback vs the same engine in-process", "bench",
     [](CLI::App& app) {
       auto o = std::make_shared<Options>();
       app.add_option("--engine", o->engine, "auto, cpu, opencl[:SEL] or cuda[:N]");
       app.add_option("--rules", o->rules, "strict or zip215")
           ->check(CLI::IsMember({"strict", "zip215"}));
       app.add_option("--sizes", o->sizes, "comma-separated request sizes");
       app.add_option("--clients", o->clients, "comma-separated client counts");
       app.add_option("--seconds", o->seconds, "time per row")->check(CLI::Range(0.05, 600.0));
       app.add_option("--in-flight", o->in_flight, "in-process batches at once (0: workers + 2)");
       app.add_option("--engine-cpu", o->engine_cpu,
                      "run the engine alone on this CPU (1 worker), the rest elsewhere")
           ->check(CLI::Range(0, 1023));
       app.add_option("--depth", o->depth, "requests in flight per client")
           ->check(CLI::Range(1u, 1024u));
       o->out.add_options(app);
       app.callback([=] { vigil::tool::exit_status() = bench_service(*o); });
     }});

}  // namespace
