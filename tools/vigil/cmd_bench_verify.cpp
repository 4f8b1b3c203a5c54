// vigil bench verify: Ed25519 verifications per second for each engine this
// CPU has and both rule sets, next to libsodium (crypto_sign_verify_detached)
// and OpenSSL (EVP_DigestVerify, ED25519) measured in the same run, with the
// ratio to libsodium. Every signature is valid with its own key and a
// 64-byte message; a verdict that is not `valid` makes the run fail.
// --threads T runs T threads at once, each on its own copy of the work;
// --batch takes several sizes. --invalid P,... adds, per engine and P, a
// zip215 batch row where P% of the items are forged (a flipped message
// bit) next to verify() on each of the same items, with the cost ratio.
#include <openssl/evp.h>
#include <sodium.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench_accel.hpp"
#include "bench_output.hpp"
#include "command.hpp"
#include "host/crypto/ed25519.hpp"
#include "progress.hpp"

namespace {

using namespace vigil::crypto;

struct Options {
  std::string engine = "all";
  std::string rules = "both";
  std::vector<size_t> batches{256};
  std::vector<double> invalid;  // percentages
  int threads = 1;
  double seconds = 1.0;
  bool json = false;
  std::string variant = "fe51";  // device engines: field representation
  std::string sizes;             // device engines: batch sizes (empty: the default)
  unsigned block = 64;           // device engines: threads per block
  vigil::tool::BenchOutput out;  // --csv, --plot
};

struct Signed {
  PublicKey pk;
  Signature sig;
  std::array<uint8_t, 64> msg;
};

struct Row {
  std::string engine, rules, mode;
  size_t batch;
  double invalid_pct;
  int threads;
  double per_sec;      // wall clock, all threads together
  double per_cpu_sec;  // per second of the verifying threads' own CPU time
  bool failed;
  double best_per_sec;  // one thread's fastest call (batch / its wall time)
};

double thread_cpu_seconds() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

std::vector<Signed> make_work(size_t n) {
  std::vector<Signed> out(n);
  for (size_t i = 0; i < n; ++i) {
    Seed seed{};
    for (size_t b = 0; b < 8; ++b) seed[b] = static_cast<uint8_t>(i >> (8 * b));
    seed[31] = 0x5a;
    const Keypair key = keypair_from_seed(seed);
    for (size_t b = 0; b < 64; ++b) out[i].msg[b] = static_cast<uint8_t>(i * 31 + b);
    out[i].pk = key.public_key;
    out[i].sig = sign(key, out[i].msg);
  }
  return out;
}

// A benchmark row: make_step(thread) returns a callable that verifies some
// items and returns how many, or -1 on a wrong verdict.
struct Job {
  std::string engine, rules, mode;  // mode: batch (verify_batch) or per_item (verify)
  size_t batch;
  double invalid_pct;
  std::function<std::function<long()>(int)> make_step;
};

// Runs `job` on `threads` threads at once for `seconds`; returns the items
// done and the time taken.
struct Slice {
  uint64_t items = 0;
  double wall = 0, cpu = 0;  // seconds
  double best = 0;           // items per second of the fastest call
};

// Runs `job` on `threads` threads at once for `seconds`.
Slice run_slice(const Job& job, int threads, double seconds, bool& failed) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> total{0};
  std::atomic<bool> bad{false};
  std::vector<double> cpu(static_cast<size_t>(threads));
  std::vector<double> best(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto step = job.make_step(t);
      const double cpu0 = thread_cpu_seconds();
      uint64_t count = 0;
      double fastest = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        const auto t0 = std::chrono::steady_clock::now();
        const long n = step();
        const double dt =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (n < 0) bad = true;
        if (n > 0) fastest = std::max(fastest, static_cast<double>(n) / dt);
        count += static_cast<uint64_t>(n < 0 ? 0 : n);
      }
      cpu[static_cast<size_t>(t)] = thread_cpu_seconds() - cpu0;
      best[static_cast<size_t>(t)] = fastest;
      total += count;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  failed |= bad.load();
  Slice out;
  out.items = total.load();
  out.wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (double c : cpu) out.cpu += c;
  out.best = *std::min_element(best.begin(), best.end());  // the slowest thread's best
  return out;
}

// Every row runs in short slices, rows taking turns, so that a load change
// on a shared machine hits every row alike and the ratios stay fair. Each
// row also keeps its fastest single call (best_per_sec): a call of a few
// milliseconds at most often runs undisturbed even on a loaded machine.
std::vector<Row> measure_all(const std::vector<Job>& jobs, const Options& o) {
  const int rounds = std::max(3, static_cast<int>(o.seconds / 0.25));
  std::vector<Slice> sum(jobs.size());
  std::vector<bool> failed(jobs.size());
  vigil::tool::Progress bar("bench verify", uint64_t(rounds) * jobs.size());
  for (int r = 0; r < rounds; ++r) {
    for (size_t j = 0; j < jobs.size(); ++j) {
      bar.update(uint64_t(r) * jobs.size() + j);
      bool f = false;
      const Slice s = run_slice(jobs[j], o.threads, o.seconds / rounds, f);
      sum[j].items += s.items;
      sum[j].wall += s.wall;
      sum[j].cpu += s.cpu;
      sum[j].best = std::max(sum[j].best, s.best);
      if (f) failed[j] = true;
    }
  }
  std::vector<Row> rows;
  for (size_t j = 0; j < jobs.size(); ++j) {
    const double items = static_cast<double>(sum[j].items);
    rows.push_back(Row{jobs[j].engine, jobs[j].rules, jobs[j].mode, jobs[j].batch,
                       jobs[j].invalid_pct, o.threads, items / sum[j].wall, items / sum[j].cpu,
                       failed[j], sum[j].best});
  }
  return rows;
}

// The items of one thread's slice; with invalid_pct > 0 some of them are
// forged (message bit flipped, in a per-item copy) and expect[i] is 0.
struct Items {
  std::vector<VerifyItem> items;
  std::vector<std::array<uint8_t, 64>> forged;
  std::vector<uint8_t> expect;
};

Items make_items(std::span<const Signed> s, double invalid_pct) {
  Items out;
  out.forged.reserve(s.size());
  uint64_t lcg = 0x9e3779b97f4a7c15;  // fixed: every run forges the same items
  for (const auto& w : s) {
    lcg = lcg * 6364136223846793005 + 1442695040888963407;
    const bool forge = static_cast<double>(lcg >> 11) * 0x1.0p-53 * 100.0 < invalid_pct;
    out.expect.push_back(forge ? 0 : 1);
    if (!forge) {
      out.items.push_back({w.pk.data(), w.sig.data(), w.msg});
      continue;
    }
    out.forged.push_back(w.msg);
    out.forged.back()[7] ^= 0x10;
    out.items.push_back({w.pk.data(), w.sig.data(), out.forged.back()});
  }
  return out;
}

using SliceFn = std::function<std::span<const Signed>(int)>;

Job batch_job(Engine e, Rules r, size_t batch, double invalid_pct, const SliceFn& slice) {
  return {std::string(engine_name(e)),
          std::string(rules_name(r)),
          "batch",
          batch,
          invalid_pct,
          [=](int t) -> std::function<long()> {
            return [it = std::make_shared<Items>(make_items(slice(t), invalid_pct)),
                    words = std::vector<uint32_t>(VIGIL_VERDICT_WORDS(batch)), pos = size_t{0}, r,
                    e, batch]() mutable -> long {
              if (pos + batch > it->items.size()) pos = 0;
              verify_batch(std::span(it->items).subspan(pos, batch), r, words, {}, e);
              for (size_t i = 0; i < batch; ++i) {
                if (((words[i / 32] >> (i % 32)) & 1) != it->expect[pos + i]) return -1;
              }
              pos += batch;
              return static_cast<long>(batch);
            };
          }};
}

Job per_item_job(Engine e, Rules r, size_t batch, double invalid_pct, const SliceFn& slice) {
  return {std::string(engine_name(e)),
          std::string(rules_name(r)),
          "per_item",
          batch,
          invalid_pct,
          [=](int t) -> std::function<long()> {
            return [it = std::make_shared<Items>(make_items(slice(t), invalid_pct)),
                    pos = size_t{0}, r, e, batch]() mutable -> long {
              if (pos + batch > it->items.size()) pos = 0;
              for (size_t i = pos; i < pos + batch; ++i) {
                if ((verify(it->items[i], r, e) == VIGIL_OK) != (it->expect[i] == 1)) return -1;
              }
              pos += batch;
              return static_cast<long>(batch);
            };
          }};
}

// The rows, with a series per line on the chart: the peers, each engine and
// rule set, and each share of forged items.
vigil::plot::Table plot_table(const std::vector<Row>& rows) {
  using vigil::tool::cell;
  vigil::plot::Table t{.columns = {"series", "engine", "rules", "mode", "batch", "invalid_pct",
                                   "threads", "per_sec", "per_cpu_sec", "ratio_libsodium"}};
  for (const Row& r : rows) {
    std::string name =
        r.engine == "libsodium" || r.engine == "openssl" ? r.engine : r.engine + " " + r.rules;
    if (r.invalid_pct > 0) name += " " + r.mode + " " + cell(r.invalid_pct, 0) + "% forged";
    t.add_row({name, r.engine, r.rules, r.mode, std::to_string(r.batch), cell(r.invalid_pct),
               std::to_string(r.threads), cell(r.per_sec), cell(r.per_cpu_sec),
               cell(r.per_cpu_sec / rows[0].per_cpu_sec, 3)});
  }
  return t;
}

const vigil::plot::Chart verify_chart{.title = "Ed25519 verify rate by engine and batch size",
                                      .x = "batch",
                                      .y = "per_cpu_sec",
                                      .series = "series",
                                      .xlabel = "signatures per verify_batch call",
                                      .ylabel = "verifications per CPU-second",
                                      .log_x = true};

int bench_verify(const Options& o) {
  if (o.engine.rfind("opencl", 0) == 0 || o.engine.rfind("cuda", 0) == 0) {
    // Device engines: latency and rate by batch size (64..65536), copies
    // included, through the Accelerator interface (cmd_bench_accel.cpp).
    vigil::tool::AccelBenchOptions a;
    a.engine = o.engine;
    a.rules = o.rules;
    a.seconds = o.seconds;
    a.variant = o.variant;
    a.block = o.block;
    a.json = o.json;
    a.out = o.out;
    if (!o.sizes.empty()) a.sizes = o.sizes;
    return vigil::tool::bench_accel(a);
  }
  if (sodium_init() < 0) return 1;
  std::vector<Engine> engines;
  if (o.engine == "all") {
    for (Engine e : {Engine::portable, Engine::avx2, Engine::avx512ifma}) {
      if (engine_supported(e)) engines.push_back(e);
    }
  } else {
    const auto e = parse_engine(o.engine);
    if (!e) {
      std::fprintf(stderr, "vigil bench verify: unknown engine '%s'\n", o.engine.c_str());
      return 2;
    }
    if (!engine_supported(*e)) {
      std::fprintf(stderr, "vigil bench verify: engine %s is not supported by this CPU\n",
                   o.engine.c_str());
      return 2;
    }
    engines.push_back(*e == Engine::automatic ? best_engine() : *e);
  }
  std::vector<Rules> rule_sets;
  if (o.rules == "both") {
    rule_sets = {Rules::strict, Rules::zip215};
  } else if (const auto r = parse_rules(o.rules)) {
    rule_sets = {*r};
  } else {
    std::fprintf(stderr, "vigil bench verify: unknown rules '%s'\n", o.rules.c_str());
    return 2;
  }

  // Each thread works on its own slice of distinct keys.
  const size_t largest = *std::max_element(o.batches.begin(), o.batches.end());
  const size_t per_thread = std::max<size_t>(largest, 1024);
  const std::vector<Signed> work = make_work(per_thread * static_cast<size_t>(o.threads));
  auto slice = [&](int t) { return std::span(work).subspan(per_thread * size_t(t), per_thread); };

  std::vector<Job> jobs;
  jobs.push_back({"libsodium", "strict", "per_item", 1, 0, [&](int t) -> std::function<long()> {
                    return [s = slice(t), i = size_t{0}]() mutable -> long {
                      const Signed& w = s[i++ % s.size()];
                      return crypto_sign_verify_detached(w.sig.data(), w.msg.data(), 64,
                                                         w.pk.data()) == 0
                                 ? 1
                                 : -1;
                    };
                  }});
  jobs.push_back({"openssl", "rfc8032", "per_item", 1, 0, [&](int t) -> std::function<long()> {
                    return [s = slice(t), i = size_t{0}]() mutable -> long {
                      const Signed& w = s[i++ % s.size()];
                      EVP_PKEY* key =
                          EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, w.pk.data(), 32);
                      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
                      const bool ok =
                          key && ctx &&
                          EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
                          EVP_DigestVerify(ctx, w.sig.data(), 64, w.msg.data(), 64) == 1;
                      EVP_MD_CTX_free(ctx);
                      EVP_PKEY_free(key);
                      return ok ? 1 : -1;
                    };
                  }});
  for (Engine e : engines) {
    for (Rules r : rule_sets) {
      for (size_t batch : o.batches) jobs.push_back(batch_job(e, r, batch, 0, slice));
    }
  }
  // Forged items: the same batch with P% of its messages altered, and the
  // same items verified one by one.
  const size_t invalid_batch = o.batches.front();
  for (Engine e : engines) {
    for (double pct : o.invalid) {
      jobs.push_back(batch_job(e, Rules::zip215, invalid_batch, pct, slice));
      jobs.push_back(per_item_job(e, Rules::zip215, invalid_batch, pct, slice));
    }
  }
  const std::vector<Row> rows = measure_all(jobs, o);

  // Ratios use CPU time: on a shared machine, time this process spends
  // descheduled would otherwise land on whichever row was running.
  const double sodium = rows[0].per_cpu_sec;
  bool failed = false;
  for (const auto& r : rows) failed |= r.failed;
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) {
      out.push_back({{"engine", r.engine},
                     {"rules", r.rules},
                     {"mode", r.mode},
                     {"batch", r.batch},
                     {"invalid_pct", r.invalid_pct},
                     {"threads", r.threads},
                     {"per_sec", r.per_sec},
                     {"per_sec_per_thread", r.per_sec / r.threads},
                     {"per_cpu_sec", r.per_cpu_sec},
                     {"ratio_libsodium", r.per_cpu_sec / sodium},
                     {"best_per_sec", r.best_per_sec},
                     {"best_ratio_libsodium", r.best_per_sec / rows[0].best_per_sec},
                     {"all_valid", !r.failed}});
      // A forged-items batch row: its cost per item relative to verify()
      // on the same items (the per_item row that follows it).
      if (r.invalid_pct > 0 && r.mode == "batch") {
        const Row& each = rows[static_cast<size_t>(&r - rows.data()) + 1];
        out.back()["cost_vs_per_item"] = each.per_cpu_sec / r.per_cpu_sec;
      }
    }
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    std::printf("Ed25519 verify, %d thread(s), %.1f s per row, best engine here: %s\n", o.threads,
                o.seconds, std::string(engine_name(best_engine())).c_str());
    std::printf("%-12s %-8s %-8s %6s %8s %12s %12s %12s %12s %12s %8s\n", "engine", "rules", "mode",
                "batch", "invalid", "verify/s", "per thread", "per CPU-s", "x libsodium",
                "best call/s", "x (best)");
    for (const auto& r : rows) {
      std::printf("%-12s %-8s %-8s %6zu %7.0f%% %12.0f %12.0f %12.0f %12.2f %12.0f %8.2f%s\n",
                  r.engine.c_str(), r.rules.c_str(), r.mode.c_str(), r.batch, r.invalid_pct,
                  r.per_sec, r.per_sec / r.threads, r.per_cpu_sec, r.per_cpu_sec / sodium,
                  r.best_per_sec, r.best_per_sec / rows[0].best_per_sec,
                  r.failed ? "  WRONG VERDICTS" : "");
    }
    std::printf(
        "verify/s: wall clock, all threads; per CPU-s: per second of the verifying\n"
        "threads' CPU time; x libsodium compares per CPU-s in this run; best call/s:\n"
        "the fastest single call of the row (the undisturbed rate), x (best) its ratio.\n");
  }
  if (failed) std::fprintf(stderr, "vigil bench verify: a verdict was wrong\n");
  const bool written = !o.out.wanted() || o.out.emit(plot_table(rows), verify_chart);
  return failed || !written ? 1 : 0;
}

const bool registered = vigil::tool::register_command(
    {"verify", "Ed25519 verifications/s per engine and rule set vs libsodium and OpenSSL", "bench",
     [](CLI::App& app) {
       auto o = std::make_shared<Options>();
       app.add_option("--engine", o->engine,
                      "all (default), auto, portable, avx2, avx512ifma, opencl[:SEL], cuda[:N]");
       app.add_option("--rules", o->rules, "both (default), strict or zip215");
       app.add_option("--batch", o->batches,
                      "items per verify_batch call, one or more sizes (default 256)")
           ->check(CLI::Range(size_t{1}, size_t{1} << 16))
           ->delimiter(',');
       app.add_option("--invalid", o->invalid,
                      "percentages of forged items for zip215 rows against verify() per item "
                      "(e.g. 1,10,50; at the first --batch size)")
           ->check(CLI::Range(0.0, 100.0))
           ->delimiter(',');
       app.add_option("--threads", o->threads, "threads verifying at once")
           ->check(CLI::Range(1, 256));
       app.add_option("--seconds", o->seconds, "seconds per row")->check(CLI::Range(0.05, 600.0));
       app.add_flag("--json", o->json, "print the rows as a JSON array");
       app.add_option("--variant", o->variant,
                      "opencl, cuda: field representation fe51 (default) or fe25")
           ->check(CLI::IsMember({"fe51", "fe25"}));
       app.add_option("--block", o->block, "opencl, cuda: threads per block (8..256, default 64)");
       app.add_option("--sizes", o->sizes, "opencl, cuda: batch sizes (default 64,...,65536)");
       o->out.add_options(app);
       app.callback([=] { vigil::tool::exit_status() = bench_verify(*o); });
     }});

}  // namespace
