// vigil bench ledger: commits N blocks of signed transfers among many
// accounts through execution and the ledger (no network) on one thread,
// and prints blocks and transfers committed per second with the share of
// time in signature verification, execution, the state tree and the synced
// RocksDB write; the verification rate of the same run stands beside the
// ledger's own rate (all but verification), with their ratio. Signing the
// transfers is the clients' work: it is timed apart and not counted. Run
// again on the same directory, it continues from the last committed block;
// the store it leaves passes `vigil audit`.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "bench_output.hpp"
#include "command.hpp"
#include "host/ledger/workload.hpp"
#include "progress.hpp"

namespace {

struct Args {
  std::string data;
  uint64_t blocks = 10;
  uint32_t txs = 10000;
  uint32_t senders = 1000;
  uint64_t accounts = 100000;
  uint64_t prune_keep = 16;
  size_t cache_mb = 64;
  bool print_committed = false;
  bool json = false;
  vigil::tool::BenchOutput out;  // --csv, --plot
};

uint64_t now_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

// VmRSS / VmHWM of this process, in KiB.
uint64_t status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field, 0) == 0) return std::stoull(line.substr(std::strlen(field) + 1));
  return 0;
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// Each block's commit time by height, split by stage (the synced RocksDB
// write included), a line per stage.
void add_plot_rows(vigil::plot::Table& t, uint64_t height, uint64_t commit_ns,
                   const vigil::ledger::CommitStats& s) {
  const std::pair<const char*, uint64_t> stages[] = {{"whole commit", commit_ns},
                                                     {"signature verification", s.verify_ns},
                                                     {"execution", s.execute_ns},
                                                     {"state tree", s.tree_ns},
                                                     {"RocksDB write", s.write_ns}};
  for (const auto& [stage, ns] : stages) {
    t.add_row({std::to_string(height), stage, vigil::tool::cell(double(ns) / 1e6, 3)});
  }
}

const vigil::plot::Chart ledger_chart{.title = "Commit time per block by stage",
                                      .x = "height",
                                      .y = "ms",
                                      .series = "stage",
                                      .xlabel = "height",
                                      .ylabel = "milliseconds per block"};

int run(const Args& a) {
  using namespace vigil::ledger;
  if (a.txs == 0 || a.txs > VIGIL_BLOCK_MAX_TXS) {
    std::fprintf(stderr, "vigil bench ledger: --txs must be 1..%d\n", VIGIL_BLOCK_MAX_TXS);
    return 2;
  }
  LedgerOptions opt;
  opt.prune_keep = a.prune_keep;
  opt.block_cache_bytes = a.cache_mb << 20;
  opt.write_buffer_bytes = std::max<size_t>(a.cache_mb / 2, 4) << 20;
  std::string err;
  auto l = Ledger::open(a.data, opt, &err);
  if (!l) {
    std::fprintf(stderr, "vigil bench ledger: %s\n", err.c_str());
    return 1;
  }
  WorkloadConfig wc;
  wc.senders = a.senders;
  wc.recipients = a.accounts;
  Workload w(wc);
  err = l->init_genesis(w.genesis());
  if (!err.empty()) {
    std::fprintf(stderr, "vigil bench ledger: %s: %s (same --senders as before?)\n", a.data.c_str(),
                 err.c_str());
    return 1;
  }
  w.load_nonces(*l);
  const uint64_t start_height = l->height();
  CommitStats total;
  uint64_t sign_ns = 0, commit_ns = 0, applied = 0, transfers = 0;
  vigil::plot::Table table{.columns = {"height", "stage", "ms"}};
  vigil::tool::Progress bar("bench ledger", a.blocks);
  for (uint64_t i = 0; i < a.blocks; ++i) {
    bar.update(i);
    uint64_t t0 = now_ns();
    vigil::consensus::Bytes frames = w.transfers(l->height() + 1, a.txs);
    auto [block, qc] = w.next_block(*l, std::move(frames));
    uint64_t t1 = now_ns();
    CommitResult r = l->commit(block, qc);
    uint64_t t2 = now_ns();
    if (!r.ok()) {
      std::fprintf(stderr, "vigil bench ledger: commit of height %llu failed: %s\n",
                   (unsigned long long)block.hdr.height, r.error.c_str());
      return 1;
    }
    add_plot_rows(table, block.hdr.height, t2 - t1, r.stats);
    if (a.print_committed) {
      bar.finish();  // the line takes the progress line's place
      std::printf("committed %llu\n", (unsigned long long)block.hdr.height);
      std::fflush(stdout);
    }
    sign_ns += t1 - t0;
    commit_ns += t2 - t1;
    total.verify_ns += r.stats.verify_ns;
    total.execute_ns += r.stats.execute_ns;
    total.tree_ns += r.stats.tree_ns;
    total.write_ns += r.stats.write_ns;
    applied += r.applied;
    transfers += a.txs;
  }
  bar.finish();
  if (a.out.wanted() && !a.out.emit(table, ledger_chart)) return 1;
  const double secs = double(commit_ns) / 1e9;
  const double ledger_secs = double(commit_ns - total.verify_ns) / 1e9;
  const double verify_secs = double(total.verify_ns) / 1e9;
  const uint64_t rest_ns = commit_ns - std::min(commit_ns, total.verify_ns + total.execute_ns +
                                                               total.tree_ns + total.write_ns);
  auto share = [&](uint64_t ns) { return commit_ns ? 100.0 * double(ns) / double(commit_ns) : 0; };
  const double tps = secs > 0 ? double(transfers) / secs : 0;
  const double verify_rate = verify_secs > 0 ? double(transfers) / verify_secs : 0;
  const double ledger_rate = ledger_secs > 0 ? double(transfers) / ledger_secs : 0;
  nlohmann::json j = {
      {"cpu", cpu_model()},
      {"from_height", start_height},
      {"height", l->height()},
      {"blocks", a.blocks},
      {"txs_per_block", a.txs},
      {"applied", applied},
      {"blocks_per_s", secs > 0 ? double(a.blocks) / secs : 0},
      {"transfers_per_s", tps},
      {"share_verify_pct", share(total.verify_ns)},
      {"share_execute_pct", share(total.execute_ns)},
      {"share_state_tree_pct", share(total.tree_ns)},
      {"share_rocksdb_write_pct", share(total.write_ns)},
      {"share_rest_pct", share(rest_ns)},
      {"verify_per_s", verify_rate},
      {"ledger_without_verify_per_s", ledger_rate},
      {"ledger_to_verify_ratio", verify_rate > 0 ? ledger_rate / verify_rate : 0},
      {"signing_s_not_counted", double(sign_ns) / 1e9},
      {"rss_kib", status_kib("VmRSS:")},
      {"peak_rss_kib", status_kib("VmHWM:")},
  };
  if (a.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("vigil bench ledger: %s\n", j["cpu"].get<std::string>().c_str());
  std::printf("committed heights %llu..%llu: %llu blocks of %u transfers (%llu applied), %.3f s\n",
              (unsigned long long)start_height + 1, (unsigned long long)l->height(),
              (unsigned long long)a.blocks, a.txs, (unsigned long long)applied, secs);
  std::printf("  %.2f blocks/s, %.0f transfers/s (one thread, synced write per block)\n",
              j["blocks_per_s"].get<double>(), tps);
  std::printf(
      "  time: signature verification %.1f%%, execution %.1f%%, state tree %.1f%%, "
      "RocksDB write %.1f%%, the rest (block checks, caches) %.1f%%\n",
      share(total.verify_ns), share(total.execute_ns), share(total.tree_ns), share(total.write_ns),
      share(rest_ns));
  std::printf(
      "  signature verification (same run): %.0f/s; ledger without it: %.0f/s "
      "(ledger / verification = %.2fx)\n",
      verify_rate, ledger_rate, verify_rate > 0 ? ledger_rate / verify_rate : 0);
  std::printf("  clients' signing, not counted: %.3f s; RSS %llu KiB (peak %llu KiB)\n",
              double(sign_ns) / 1e9, (unsigned long long)status_kib("VmRSS:"),
              (unsigned long long)status_kib("VmHWM:"));
  return 0;
}

const bool registered = vigil::tool::register_command(
    {"ledger", "Blocks of signed transfers through execution and the RocksDB ledger", "bench",
     [](CLI::App& app) {
       auto a = std::make_shared<Args>();
       app.add_option("--data", a->data, "ledger directory (created, or continued)")->required();
       app.add_option("--blocks", a->blocks, "blocks to commit");
       app.add_option("--txs", a->txs, "transfers per block (1..10000)");
       app.add_option("--senders", a->senders, "signing accounts (fixed for a directory)")
           ->check(CLI::Range(1u, 1000000u));
       app.add_option("--accounts", a->accounts, "distinct payee accounts")
           ->check(CLI::Range(uint64_t(1), uint64_t(1) << 40));
       app.add_option("--prune-keep", a->prune_keep,
                      "state heights kept provable (0: keep all; fixed for a directory)");
       app.add_option("--cache-mb", a->cache_mb, "RocksDB block cache, MiB (write buffers half)");
       app.add_flag("--print-committed", a->print_committed,
                    "print 'committed HEIGHT' as each block becomes durable");
       app.add_flag("--json", a->json, "print the figures as one JSON object");
       a->out.add_options(app);
       app.callback([a] { vigil::tool::exit_status() = run(*a); });
     }});

}  // namespace
