// vigil cluster: a local cluster under load, end to end. Makes a genesis (a
// temporary folder or --dir), starts N vigild on loopback, measures the
// verification ceiling, runs the load (load_client.hpp) while optionally
// SIGKILLing and restarting a node on a schedule, waits for every node to
// catch up, checks that all agree on every committed height and that every
// transaction /tx reported committed is on every node, stops them with
// SIGTERM and prints a summary (--json: one object).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench_output.hpp"
#include "command.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/ledger/ledger.hpp"
#include "host/rpc/http_client.hpp"
#include "load_client.hpp"
#include "progress.hpp"
#include "spawn.hpp"

namespace {

using namespace vigil;
namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  uint32_t nodes = 4;
  double seconds = 30;
  double rate = 4000;
  double kill_every = 0;
  int kill_node = -1;  // -1: a random node each time
  double invalid_share = 0.02;
  uint32_t accounts = 256;
  uint32_t base_port = 0;  // 0: one picked from the process id
  uint32_t block_max_txs = 4096;
  std::string dir, vigild, engine = "auto";
  bool json = false, keep = false;
  tool::BenchOutput out;  // --csv, --plot: TPS and latency over time
};

std::string self_dir() {
  return fs::canonical("/proc/self/exe").parent_path().string();
}

uint64_t rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

std::optional<json> get_json(rpc::HttpClient& c, const std::string& path) {
  auto r = c.get(path);
  if (!r || r->status != 200) return std::nullopt;
  json j = json::parse(r->body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

// One core's verify rate (signatures per second) with the cluster's rule set
// on the best CPU engine, at the batch size of a full block.
double one_core_rate(uint32_t batch, double seconds) {
  std::vector<crypto::Keypair> keys;
  std::vector<std::array<uint8_t, 64>> msgs(batch);
  std::vector<crypto::Signature> sigs(batch);
  std::vector<crypto::VerifyItem> items;
  for (uint32_t i = 0; i < batch; ++i) {
    if (i < 64) keys.push_back(crypto::generate_keypair());
    const auto& k = keys[i % keys.size()];
    msgs[i].fill(uint8_t(i));
    msgs[i][0] = uint8_t(i >> 8);
    sigs[i] = crypto::sign(k, msgs[i]);
  }
  for (uint32_t i = 0; i < batch; ++i)
    items.push_back({keys[i % keys.size()].public_key.data(), sigs[i].data(), msgs[i]});
  std::vector<uint32_t> verdict(VIGIL_VERDICT_WORDS(batch));
  uint64_t done = 0;
  const auto t0 = Clock::now();
  double el = 0;
  while (el < seconds) {
    crypto::verify_batch(items, crypto::Rules::zip215, verdict);
    done += batch;
    el = std::chrono::duration<double>(Clock::now() - t0).count();
  }
  return double(done) / el;
}

struct Node {
  pid_t pid = -1;
  std::string config, log;
  std::unique_ptr<rpc::HttpClient> api;
  // RSS when every peer is up, at the middle of the load, at its end, and
  // the most seen (sampled with the heights): bounded means end ~ middle.
  uint64_t rss_start = 0, rss_mid = 0, rss_end = 0, rss_max = 0;
  uint64_t height = 0;
  Clock::time_point last_progress;
  double max_stall_s = 0;
};

// The ledger a node's config points at (vigil genesis: data_dir "data").
std::string store_of(const Node& n) {
  return (fs::path(n.config).parent_path() / "data" / "ledger").string();
}

// `vigil audit --json` on every node's store (the nodes are stopped): its
// verdict objects, and whether every one passed.
bool audit_stores(const std::vector<Node>& nodes, const std::string& dir, json* verdicts) {
  bool ok = true;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string log = dir + "/audit-" + std::to_string(i) + ".json";
    fs::remove(log);
    const pid_t pid =
        tool::spawn_logged({self_dir() + "/vigil", "audit", "--json", store_of(nodes[i])}, log);
    int st = 0;
    const bool exited = pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st);
    std::ifstream in(log);
    std::string line, last;
    while (std::getline(in, line))
      if (!line.empty()) last = line;
    json v = json::parse(last, nullptr, false);
    if (v.is_discarded()) v = json{{"ok", false}, {"what", "no verdict: " + last}};
    ok &= exited && WEXITSTATUS(st) == 0 && v.value("ok", false);
    verdicts->push_back(v);
  }
  return ok;
}

// The stores agree block by block up to the lowest tip; false and the first
// height where they differ (or a store cannot be read).
bool stores_agree(const std::vector<Node>& nodes, uint64_t* height, uint64_t* first_bad) {
  std::vector<std::unique_ptr<ledger::Ledger>> stores;
  *height = UINT64_MAX;
  for (const auto& n : nodes) {
    ledger::LedgerOptions ro;
    ro.read_only = true;
    std::string err;
    stores.push_back(ledger::Ledger::open(store_of(n), ro, &err));
    if (!stores.back()) return *first_bad = 0, false;
    *height = std::min(*height, stores.back()->height());
  }
  for (uint64_t h = 1; h <= *height; ++h) {
    auto first = stores[0]->block_at(h);
    for (size_t i = 1; i < stores.size(); ++i) {
      auto b = stores[i]->block_at(h);
      if (!first || !b || b->block.id != first->block.id) return *first_bad = h, false;
    }
  }
  return true;
}

bool start_node(Node& n, const std::string& vigild) {
  n.pid = tool::spawn_logged({vigild, "--config", n.config}, n.log);
  return n.pid > 0;
}

// Sums a metric's samples by the value of label `label` ("" for the whole).
std::map<std::string, double> metric_by(const std::string& text, const std::string& name,
                                        const std::string& label) {
  std::map<std::string, double> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.rfind(name, 0) != 0 ||
        (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' '))
      continue;
    std::string key;
    const size_t l = line.find(label + "=\"");
    if (!label.empty() && l != std::string::npos) {
      const size_t s = l + label.size() + 2;
      key = line.substr(s, line.find('"', s) - s);
    }
    out[key] += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return out;
}

int run(const Options& o) {
  const std::string bin = self_dir();
  const std::string vigild = o.vigild.empty() ? bin + "/vigild" : o.vigild;
  if (!fs::exists(vigild)) {
    std::fprintf(stderr, "cluster: no vigild at %s (give --vigild)\n", vigild.c_str());
    return 2;
  }
  std::string dir = o.dir;
  bool temp = false;
  if (dir.empty()) {
    char tmpl[] = "/tmp/vigil-cluster-XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    dir = tmpl;
    temp = true;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  const uint32_t base = o.base_port ? o.base_port : 20000 + uint32_t(getpid() % 300) * 100;
  const std::string genesis_log = dir + "/genesis.log";
  const pid_t g = tool::spawn_logged(
      {bin + "/vigil", "genesis", "--validators", std::to_string(o.nodes), "--accounts",
       std::to_string(o.accounts), "--out", dir, "--base-port", std::to_string(base), "--engine",
       o.engine, "--block-max-txs", std::to_string(o.block_max_txs)},
      genesis_log);
  int st = 0;
  if (g < 0 || waitpid(g, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    std::fprintf(stderr, "cluster: vigil genesis failed (see %s)\n", genesis_log.c_str());
    return 1;
  }

  std::vector<Node> nodes(o.nodes);
  for (uint32_t i = 0; i < o.nodes; ++i) {
    Node& n = nodes[i];
    n.config = dir + "/node-" + std::to_string(i) + "/vigild.toml";
    n.log = dir + "/node-" + std::to_string(i) + "/vigild.log";
    n.api =
        std::make_unique<rpc::HttpClient>("127.0.0.1:" + std::to_string(base + 3 * i + 2), 1000);
    if (!start_node(n, vigild)) {
      std::fprintf(stderr, "cluster: cannot start %s\n", vigild.c_str());
      return 1;
    }
  }
  auto stop_all = [&](int sig) {
    for (auto& n : nodes)
      if (n.pid > 0) kill(n.pid, sig);
  };
  // Every node up with every peer connected.
  const auto up_by = Clock::now() + std::chrono::seconds(30);
  for (auto& n : nodes) {
    for (;;) {
      auto j = get_json(*n.api, "/status");
      if (j && (*j)["peers"].get<uint32_t>() + 1 >= o.nodes) break;
      if (Clock::now() > up_by) {
        std::fprintf(stderr, "cluster: a node did not come up (logs in %s)\n", dir.c_str());
        stop_all(SIGKILL);
        return 1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    n.rss_start = rss_kib(n.pid);
  }
  const std::string engine = get_json(*nodes[0].api, "/status").value_or(json{})["engine"];

  // The ceiling, measured now, with the cluster's engine and rules.
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const double rate1 = one_core_rate(o.block_max_txs, 1.0);
  const double ceiling = double(cores) * rate1 / double(o.nodes);

  tool::LoadOptions lo;
  for (uint32_t i = 0; i < o.nodes; ++i)
    lo.targets.push_back("127.0.0.1:" + std::to_string(base + 3 * i + 1));
  lo.keys = dir + "/accounts.jsonl";
  lo.rate = o.rate;
  lo.seconds = o.seconds;
  lo.invalid_share = o.invalid_share;
  tool::LoadReport report;
  std::string err;
  bool load_ok = false;
  std::atomic<bool> sending{false}, load_done{false};
  lo.sending = &sending;
  std::thread load([&] {
    load_ok = tool::run_load(lo, &report, &err);
    load_done = true;
  });
  // The schedule counts from the first frame sent (signing them all first
  // takes a while at high rates).
  while (!sending.load() && !load_done.load())
    std::this_thread::sleep_for(std::chrono::milliseconds(20));

  // Kills on schedule; watch every node's height.
  std::mt19937_64 rng(std::random_device{}());
  uint32_t restarts = 0;
  const auto t0 = Clock::now();
  auto next_kill = t0 + std::chrono::milliseconds(int64_t(o.kill_every * 1000));
  int down = -1;
  Clock::time_point restart_at{};
  for (auto& n : nodes) n.last_progress = t0;
  tool::Progress bar("cluster", uint64_t(o.seconds));
  while (std::chrono::duration<double>(Clock::now() - t0).count() < o.seconds) {
    const auto now = Clock::now();
    bar.update(
        uint64_t(std::chrono::duration<double>(now - t0).count()),
        "height " + std::to_string(nodes[0].height) + ", restarts " + std::to_string(restarts));
    if (o.kill_every > 0 && down < 0 && now >= next_kill &&
        std::chrono::duration<double>(now - t0).count() + 2 < o.seconds) {
      down = o.kill_node >= 0 ? o.kill_node : int(rng() % o.nodes);
      kill(nodes[size_t(down)].pid, SIGKILL);
      waitpid(nodes[size_t(down)].pid, &st, 0);
      restart_at = now + std::chrono::milliseconds(300 + int64_t(rng() % 700));
    }
    if (down >= 0 && now >= restart_at) {
      start_node(nodes[size_t(down)], vigild);
      ++restarts;
      nodes[size_t(down)].last_progress = now;
      down = -1;
      next_kill = now + std::chrono::milliseconds(
                            int64_t(o.kill_every * 1000 * (0.5 + double(rng() % 1000) / 1000)));
    }
    for (uint32_t i = 0; i < o.nodes; ++i) {
      Node& n = nodes[i];
      if (int(i) == down) continue;
      auto j = get_json(*n.api, "/status");
      if (j && (*j)["height"].get<uint64_t>() > n.height) {
        n.height = (*j)["height"].get<uint64_t>();
        n.last_progress = Clock::now();
      }
      n.max_stall_s = std::max(
          n.max_stall_s, std::chrono::duration<double>(Clock::now() - n.last_progress).count());
      const uint64_t rss = rss_kib(n.pid);
      n.rss_max = std::max(n.rss_max, rss);
      if (n.rss_mid == 0 && std::chrono::duration<double>(now - t0).count() >= o.seconds / 2)
        n.rss_mid = rss;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  bar.finish();
  load.join();
  if (down >= 0) {
    start_node(nodes[size_t(down)], vigild);
    ++restarts;
  }
  for (auto& n : nodes) {
    n.rss_end = rss_kib(n.pid);
    n.rss_max = std::max(n.rss_max, n.rss_end);
  }

  // Every node reaches the highest height seen (the restarted one catches up).
  uint64_t top = 0;
  for (auto& n : nodes) top = std::max(top, n.height);
  const uint64_t top_seen = top;
  bool caught_up = true;
  top = UINT64_MAX;
  const auto catch_by = Clock::now() + std::chrono::seconds(60);
  for (auto& n : nodes) {
    for (;;) {
      auto j = get_json(*n.api, "/status");
      if (j && (*j)["height"].get<uint64_t>() >= top_seen) break;
      if (Clock::now() > catch_by) {
        caught_up = false;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (!caught_up) top = top_seen;
  // Check up to the lowest height any node holds now (they keep committing).
  if (caught_up)
    for (auto& n : nodes)
      if (auto s = get_json(*n.api, "/status")) top = std::min(top, (*s)["height"].get<uint64_t>());
  // Agreement on every height up to `top` over the API, and hash links; the
  // stores themselves are audited and compared once the nodes are stopped.
  bool agree = true, links_ok = true;
  uint64_t first_disagree = 0;
  std::string prev;
  for (uint64_t h = 1; h <= top && agree; ++h) {
    std::string id0;
    for (uint32_t i = 0; i < o.nodes; ++i) {
      auto j = get_json(*nodes[i].api, "/block/" + std::to_string(h));
      const std::string id = j ? (*j)["block_id"].get<std::string>() : "";
      if (i == 0) {
        id0 = id;
        if (j && h > 1 && (*j)["parent_id"].get<std::string>() != prev) links_ok = false;
      } else if (id != id0 || id.empty()) {
        agree = false;
        first_disagree = h;
      }
    }
    prev = id0;
  }
  uint64_t missing = 0;
  for (const auto& sig : report.committed_sigs)
    for (auto& n : nodes) {
      auto j = get_json(*n.api, "/tx/" + sig);
      if (!j || (*j)["status"] != "committed") ++missing;
    }
  std::map<std::string, double> rejected;
  for (auto& n : nodes) {
    auto r = n.api->get("/metrics");
    if (!r) continue;
    for (const auto& [k, v] : metric_by(r->body, "vigil_ingest_dropped_total", "reason"))
      rejected[k] += v;
    for (const auto& [k, v] : metric_by(r->body, "vigil_mempool_refused_total", "reason"))
      rejected["mempool_" + k] += v;
    for (const auto& [k, v] : metric_by(r->body, "vigil_verifications_total", "result"))
      if (k == "invalid") rejected["bad_signature"] += v;
  }
  double max_stall = 0;
  for (uint32_t i = 0; i < o.nodes; ++i)
    if (o.kill_node < 0 || int(i) != o.kill_node)
      max_stall = std::max(max_stall, nodes[i].max_stall_s);

  stop_all(SIGTERM);
  bool clean_exit = true;
  for (auto& n : nodes) {
    const auto by = Clock::now() + std::chrono::seconds(15);
    for (;;) {
      const pid_t w = waitpid(n.pid, &st, WNOHANG);
      if (w == n.pid) {
        clean_exit &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
        break;
      }
      if (Clock::now() > by) {
        kill(n.pid, SIGKILL);
        waitpid(n.pid, &st, 0);
        clean_exit = false;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  json audits = json::array();
  const bool audits_ok = audit_stores(nodes, dir, &audits);
  uint64_t store_height = 0, store_first_bad = 0;
  const bool stores_ok = stores_agree(nodes, &store_height, &store_first_bad);
  if (!stores_ok) agree = false, first_disagree = store_first_bad;
  const bool audit_ok = audits_ok && links_ok && agree;

  const double fraction = ceiling > 0 ? report.committed_tps / ceiling : 0;
  json j{{"nodes", o.nodes},
         {"seconds", report.seconds},
         {"sent", report.sent},
         {"committed_txs", report.committed},
         {"resent", report.resent},
         {"committed_tps", report.committed_tps},
         {"p50_latency_ms", report.p50_ms},
         {"p90_latency_ms", report.p90_ms},
         {"p99_latency_ms", report.p99_ms},
         {"engine", engine},
         {"rules", "zip215"},
         {"one_core_verify_rate", rate1},
         {"cores", cores},
         {"ceiling_tps", ceiling},
         {"ceiling_fraction", fraction},
         {"restarts", restarts},
         {"caught_up", caught_up},
         {"max_stall_seconds", max_stall},
         {"height", top},
         {"agree", agree},
         {"audit_ok", audit_ok},
         {"audits", audits},
         {"stores_height", store_height},
         {"committed_reported", report.committed_sigs.size()},
         {"committed_missing", missing},
         {"rejected", rejected},
         {"clean_exit", clean_exit},
         {"load_ok", load_ok},
         {"dir", dir}};
  for (uint32_t i = 0; i < o.nodes; ++i)
    j["rss_kib"].push_back({{"start", nodes[i].rss_start},
                            {"mid", nodes[i].rss_mid},
                            {"end", nodes[i].rss_end},
                            {"max", nodes[i].rss_max}});
  if (!agree) j["first_disagreement"] = first_disagree;
  if (!load_ok) j["load_error"] = err;
  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("\n== vigil cluster: %u validators on loopback, %.0f s under load ==\n", o.nodes,
                report.seconds);
    std::printf("  %-34s %.0f tx/s (%llu committed, %llu sent)\n", "committed",
                report.committed_tps, (unsigned long long)report.committed,
                (unsigned long long)report.sent);
    std::printf("  %-34s p50 %.0f ms, p90 %.0f ms, p99 %.0f ms (%zu sampled)\n", "commit latency",
                report.p50_ms, report.p90_ms, report.p99_ms, report.committed_sigs.size());
    std::printf("  %-34s %s, zip215\n", "engine", engine.c_str());
    std::printf("  %-34s %u x %.0f/s / %u = %.0f tx/s (measured in this run)\n",
                "verification ceiling", cores, rate1, o.nodes, ceiling);
    std::printf("  %-34s %.2f\n", "fraction of the ceiling", fraction);
    for (const auto& [k, v] : rejected)
      if (v > 0) std::printf("  rejected %-25s %.0f\n", k.c_str(), v);
    std::printf("  %-34s %u (caught up: %s; longest stall of the others %.1f s)\n",
                "restarts survived", restarts, caught_up ? "yes" : "NO", max_stall);
    std::printf("  %-34s %s (height %llu; hash links %s)\n", "all agree on every height",
                agree ? "yes" : "NO", (unsigned long long)top, links_ok ? "ok" : "BROKEN");
    std::printf("  %-34s %llu of %zu checks\n", "committed txs missing on a node",
                (unsigned long long)missing, report.committed_sigs.size() * o.nodes);
    for (size_t i = 0; i < audits.size(); ++i)
      std::printf("  node %zu %-27s %s (height %llu%s%s)\n", i, "vigil audit",
                  audits[i].value("ok", false) ? "ok" : "FAILED",
                  (unsigned long long)audits[i].value("height", uint64_t(0)),
                  audits[i].contains("what") ? ": " : "",
                  audits[i].value("what", std::string()).c_str());
    std::printf("  %-34s %s (stores compared up to height %llu)\n", "stores agree",
                stores_ok ? "yes" : "NO", (unsigned long long)store_height);
    for (uint32_t i = 0; i < o.nodes; ++i)
      std::printf("  node %u RSS %6llu KiB at start, %6llu at mid-load, %6llu at end (max %llu)\n",
                  i, (unsigned long long)nodes[i].rss_start, (unsigned long long)nodes[i].rss_mid,
                  (unsigned long long)nodes[i].rss_end, (unsigned long long)nodes[i].rss_max);
    std::printf("  %-34s %s\n", "graceful stop (SIGTERM, exit 0)", clean_exit ? "yes" : "NO");
  }
  const bool written =
      !o.out.wanted() || o.out.emit(tool::timeline_table(report), tool::timeline_charts);
  if (temp && !o.keep && agree && caught_up && audit_ok) fs::remove_all(dir);
  return agree && caught_up && audit_ok && missing == 0 && load_ok && clean_exit && written ? 0 : 1;
}

const bool registered = tool::register_command(
    {"cluster", "Run N validators on loopback under load, with kills, and check them", "",
     [](CLI::App& app) {
       auto o = std::make_shared<Options>();
       app.add_option("--nodes", o->nodes, "validators")->check(CLI::Range(1, 64));
       app.add_option("--seconds", o->seconds, "seconds under load")
           ->check(CLI::Range(1.0, 86400.0));
       app.add_option("--rate", o->rate, "transfers per second")->check(CLI::Range(1.0, 1e7));
       app.add_option("--kill-every", o->kill_every,
                      "SIGKILL and restart a node about every S seconds (0: never)");
       app.add_option("--kill-node", o->kill_node, "always kill this node (default: random)");
       app.add_option("--invalid-share", o->invalid_share, "share of bad frames")
           ->check(CLI::Range(0.0, 1.0));
       app.add_option("--accounts", o->accounts, "funded accounts")->check(CLI::Range(2, 1 << 20));
       app.add_option("--dir", o->dir, "folder for the genesis, configs, data and logs");
       app.add_option("--base-port", o->base_port, "first port (3 per node)");
       app.add_option("--block-max-txs", o->block_max_txs, "frames per block")
           ->check(CLI::Range(1, VIGIL_BLOCK_MAX_TXS));
       app.add_option("--engine", o->engine, "engine of every node");
       app.add_option("--vigild", o->vigild, "the vigild binary (default: beside vigil)");
       app.add_flag("--keep", o->keep, "keep the temporary folder");
       app.add_flag("--json", o->json, "print one JSON object");
       o->out.add_options(app);
       app.callback([o] { tool::exit_status() = run(*o); });
     }});

}  // namespace
