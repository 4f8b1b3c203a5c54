// vigil bench accel: Ed25519 verification through the Accelerator interface
// (--engine opencl[:SEL], cuda[:N], cpu, auto) for batch sizes 64..65536,
// copies to and from the device included. For each size it reports
//   latency   one batch in flight: submit to completion, median and p99
//   rate      --in-flight batches queued at once (copies overlap kernels)
// next to peers measured in the same run: libsodium
// crypto_sign_verify_detached on one core, and the cpu driver (the CPU
// engine on its thread pool) at the same batch size; ratios are to
// libsodium. Every signature is valid; a verdict that is not makes the run
// fail. --variant and --block pick the kernel's field representation and
// launch shape; --json prints the rows (each naming its `variant`) instead.
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_accel.hpp"
#include "command.hpp"
#include "drivers/accel/accelerator.hpp"
#include "kernels/variant.hpp"
#include "progress.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using vigil::accel::Accelerator;
using vigil::accel::BatchBuffer;
using vigil::tool::AccelBenchOptions;

struct Work {
  std::vector<std::array<uint8_t, 32>> pk;
  std::vector<std::array<uint8_t, 64>> sig;
  std::vector<std::array<uint8_t, 64>> msg;
};

// Distinct keys and messages; batches cycle through them.
Work make_work(size_t n) {
  Work w;
  w.pk.resize(n);
  w.sig.resize(n);
  w.msg.resize(n);
  for (size_t i = 0; i < n; ++i) {
    uint8_t seed[32] = {0}, sk[64];
    for (size_t b = 0; b < 8; ++b) seed[b] = uint8_t(i >> (8 * b));
    seed[31] = 0xa5;
    crypto_sign_seed_keypair(w.pk[i].data(), sk, seed);
    for (size_t b = 0; b < 64; ++b) w.msg[i][b] = uint8_t(i * 13 + b);
    crypto_sign_detached(w.sig[i].data(), nullptr, w.msg[i].data(), 64, sk);
  }
  return w;
}

std::unique_ptr<BatchBuffer> fill(const Work& w, uint32_t n, vigil::crypto::Rules rules) {
  auto b = std::make_unique<BatchBuffer>(n, n * 64);
  b->clear(rules);
  for (uint32_t i = 0; i < n; ++i) {
    size_t k = i % w.pk.size();
    b->add(w.pk[k].data(), w.sig[k].data(), w.msg[k]);
  }
  b->seal();
  return b;
}

struct Figures {
  double p50_us = 0, p99_us = 0, per_sec = 0;
  bool failed = false;
};

// Latency with one batch in flight, then throughput with `depth` in flight,
// each for about `seconds`.
Figures measure(Accelerator& acc, const std::vector<std::unique_ptr<BatchBuffer>>& batches,
                double seconds, unsigned depth) {
  Figures f;
  const uint32_t n = batches[0]->count();
  std::vector<vigil::accel::Completion> done(batches.size());
  std::vector<double> lat;
  // One untimed batch first: a runtime may compile or load code on first use.
  f.failed |= acc.verify_now(*batches[0]).summary.valid != n;
  auto until = Clock::now() + std::chrono::duration<double>(seconds / 2);
  do {
    auto t0 = Clock::now();
    acc.submit(*batches[0], done[0]).get();
    lat.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    f.failed |= done[0].summary.valid != n;
  } while (Clock::now() < until || lat.size() < 3);
  std::sort(lat.begin(), lat.end());
  f.p50_us = lat[lat.size() / 2];
  f.p99_us = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];

  // Batch k of the ring goes with completion k; depth <= batches.size().
  std::deque<std::pair<size_t, std::future<void>>> q;
  uint64_t verified = 0;
  size_t next = 0;
  auto t0 = Clock::now();
  until = t0 + std::chrono::duration<double>(seconds / 2);
  auto retire = [&] {
    q.front().second.get();
    f.failed |= done[q.front().first].summary.valid != n;
    q.pop_front();
    verified += n;
  };
  while (Clock::now() < until || verified == 0) {
    while (q.size() < depth) {
      size_t k = next++ % batches.size();
      q.emplace_back(k, acc.submit(*batches[k], done[k]));
    }
    retire();
  }
  while (!q.empty()) retire();
  f.per_sec = double(verified) / std::chrono::duration<double>(Clock::now() - t0).count();
  return f;
}

double sodium_rate(const Work& w, double seconds) {
  uint64_t n = 0;
  auto t0 = Clock::now();
  auto until = t0 + std::chrono::duration<double>(seconds);
  bool ok = true;
  do {
    for (size_t i = 0; i < 64; ++i, ++n) {
      size_t k = n % w.pk.size();
      ok &= crypto_sign_verify_detached(w.sig[k].data(), w.msg[k].data(), 64, w.pk[k].data()) == 0;
    }
  } while (Clock::now() < until);
  if (!ok) return -1;
  return double(n) / std::chrono::duration<double>(Clock::now() - t0).count();
}

// Rate and latency by batch size, a line per path (the engine, the cpu
// driver, libsodium on one core, which has no batch latency).
void add_plot_rows(vigil::plot::Table& t, const std::string& rules, uint32_t n,
                   const std::string& engine, const Figures& f, const Figures* cpu, double sodium) {
  using vigil::tool::cell;
  const std::string b = std::to_string(n);
  t.add_row({engine + " " + rules, rules, b, cell(f.per_sec), cell(f.p50_us), cell(f.p99_us)});
  if (cpu) {
    t.add_row({"cpu driver " + rules, rules, b, cell(cpu->per_sec), cell(cpu->p50_us),
               cell(cpu->p99_us)});
  }
  if (sodium > 0) t.add_row({"libsodium, 1 core", rules, b, cell(sodium), "nan", "nan"});
}

const auto accel_charts = vigil::tool::rate_latency_charts(
    "Verify rate by batch size (copies included)", "Batch latency, one in flight (p50)", "batch",
    "signatures per batch", "latency_p50_us");

// Parses "64,256,..." into sizes within 1..VIGIL_BATCH_MAX; false on a bad
// entry.
bool parse_sizes(const std::string& text, std::vector<uint32_t>& sizes) {
  std::stringstream ss(text);
  for (std::string tok; std::getline(ss, tok, ',');) {
    char* end = nullptr;
    unsigned long v = std::strtoul(tok.c_str(), &end, 10);
    if (tok.empty() || *end != '\0' || v == 0 || v > VIGIL_BATCH_MAX) return false;
    sizes.push_back(uint32_t(v));
  }
  return !sizes.empty();
}

const bool registered = vigil::tool::register_command(
    {"accel", "Ed25519 through an accelerator (opencl, cuda, cpu): latency and rate by batch size",
     "bench", [](CLI::App& app) {
       auto o = std::make_shared<AccelBenchOptions>();
       app.add_option("--engine", o->engine, "auto, cpu, opencl[:SEL] or cuda[:N]");
       app.add_option("--rules", o->rules, "strict (default), zip215 or both")
           ->check(CLI::IsMember({"strict", "zip215", "both"}));
       app.add_option("--sizes", o->sizes, "comma-separated batch sizes (1..65536)");
       app.add_option("--seconds", o->seconds, "time per batch size")
           ->check(CLI::Range(0.01, 600.0));
       app.add_option("--in-flight", o->in_flight, "batches queued at once")
           ->check(CLI::Range(1u, 64u));
       app.add_flag("!--no-peers", o->peers, "skip libsodium and the cpu driver");
       app.add_option("--variant", o->variant, "field representation: fe51 (default) or fe25")
           ->check(CLI::IsMember({"fe51", "fe25"}));
       app.add_option("--block", o->block, "threads per block: a power of two in 8..256");
       app.add_flag("--json", o->json, "print the rows as a JSON array");
       o->out.add_options(app);
       app.callback([=] { vigil::tool::exit_status() = vigil::tool::bench_accel(*o); });
     }});

}  // namespace

int vigil::tool::bench_accel(const AccelBenchOptions& o) {
  if (sodium_init() < 0) return 1;
  std::vector<vigil::crypto::Rules> rule_sets;
  if (o.rules != "zip215") rule_sets.push_back(vigil::crypto::Rules::strict);
  if (o.rules != "strict") rule_sets.push_back(vigil::crypto::Rules::zip215);
  std::vector<uint32_t> sizes;
  if (!parse_sizes(o.sizes, sizes)) {
    std::fprintf(stderr, "vigil bench accel: --sizes wants numbers in 1..%d, got '%s'\n",
                 VIGIL_BATCH_MAX, o.sizes.c_str());
    return 2;
  }
  const uint32_t max_size = *std::max_element(sizes.begin(), sizes.end());
  vigil::accel::Options opts;
  opts.max_batch = max_size;
  opts.max_msg_bytes = max_size * 64;
  opts.max_in_flight = o.in_flight;
  const auto field = vigil::kernels::parse_field(o.variant);
  if (!field || !vigil::kernels::valid_verify_block(o.block)) {
    std::fprintf(stderr,
                 "vigil bench accel: --variant is fe51 or fe25 and --block a power of two in "
                 "8..256, got %s and %u\n",
                 o.variant.c_str(), o.block);
    return 2;
  }
  opts.kernel = {*field, o.block};
  std::string why;
  auto acc = vigil::accel::make_accelerator(o.engine, opts, &why);
  if (!acc) {
    std::fprintf(stderr, "vigil bench accel: engine %s unavailable: %s\n", o.engine.c_str(),
                 why.c_str());
    return 2;
  }
  std::unique_ptr<Accelerator> cpu;
  if (o.peers && acc->capabilities().kind != vigil::accel::Kind::cpu) {
    vigil::accel::Options co = opts;
    co.workers = std::max(1u, std::thread::hardware_concurrency());
    cpu = vigil::accel::make_accelerator("cpu", co, &why);
  }
  const Work w = make_work(4096);
  const double sodium = o.peers ? sodium_rate(w, 0.5) : 0;
  const bool device = acc->capabilities().kind != vigil::accel::Kind::cpu;
  const std::string variant = device ? o.variant : "cpu";
  if (!o.json) {
    std::printf("engine: %s (%u in flight, copies included)\n", acc->capabilities().name.c_str(),
                o.in_flight);
    if (o.peers)
      std::printf("peer libsodium crypto_sign_verify_detached, 1 core: %.0f verifications/s\n",
                  sodium);
    std::printf("%-7s %8s %12s %12s %14s %9s %14s %9s\n", "rules", "batch", "p50 us", "p99 us",
                "verif/s", "x sodium", "cpu drv/s", "x sodium");
  }
  nlohmann::json rows = nlohmann::json::array();
  vigil::plot::Table table{
      .columns = {"path", "rules", "batch", "per_sec", "latency_p50_us", "latency_p99_us"}};
  vigil::tool::Progress bar("bench accel", rule_sets.size() * sizes.size());
  bool failed = sodium < 0;
  uint64_t step = 0;
  for (auto rules : rule_sets) {
    for (uint32_t n : sizes) {
      bar.update(step++, std::to_string(n));
      std::vector<std::unique_ptr<BatchBuffer>> batches;
      for (unsigned i = 0; i < std::max(2u, o.in_flight); ++i) batches.push_back(fill(w, n, rules));
      Figures f = measure(*acc, batches, o.seconds, o.in_flight);
      Figures c;
      if (cpu) c = measure(*cpu, batches, o.seconds / 2, o.in_flight);
      failed |= f.failed || c.failed;
      const std::string rname(vigil::crypto::rules_name(rules));
      add_plot_rows(table, rname, n, acc->capabilities().name, f, cpu ? &c : nullptr, sodium);
      if (o.json) {
        rows.push_back({{"engine", acc->capabilities().name},
                        {"variant", variant},
                        {"block", device ? o.block : 0},
                        {"rules", rname},
                        {"batch", n},
                        {"in_flight", o.in_flight},
                        {"latency_p50_us", f.p50_us},
                        {"latency_p99_us", f.p99_us},
                        {"per_sec", f.per_sec},
                        {"libsodium_per_sec", sodium},
                        {"ratio_libsodium", sodium > 0 ? f.per_sec / sodium : 0.0},
                        {"cpu_driver_per_sec", c.per_sec},
                        {"all_valid", !f.failed && !c.failed}});
        continue;
      }
      bar.finish();  // the row takes the progress line's place
      std::printf("%-7s %8u %12.1f %12.1f %14.0f %9.2f %14.0f %9.2f%s\n", rname.c_str(), n,
                  f.p50_us, f.p99_us, f.per_sec, sodium > 0 ? f.per_sec / sodium : 0.0, c.per_sec,
                  sodium > 0 ? c.per_sec / sodium : 0.0, f.failed ? "  WRONG VERDICTS" : "");
      std::fflush(stdout);
    }
  }
  bar.finish();
  const bool written = !o.out.wanted() || o.out.emit(table, accel_charts);
  auto s = acc->stats();
  // A fault means some figures are the CPU's: the run is not the device's.
  failed |= s.faults != 0 || s.device_down;
  if (o.json) {
    for (auto& r : rows) r["device_faults"] = s.faults;
    std::printf("%s\n", rows.dump(2).c_str());
  } else {
    std::printf("faults %llu, cpu fallback batches %llu, device %s\n", (unsigned long long)s.faults,
                (unsigned long long)s.cpu_fallback, s.device_down ? "DOWN" : "up");
  }
  if (failed)
    std::fprintf(stderr,
                 "vigil bench accel: a valid signature was rejected or the device faulted\n");
  return failed || !written ? 1 : 0;
}
