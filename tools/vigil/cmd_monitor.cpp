// vigil monitor [HOST:PORT]: a live table of a running vigild's tiles, as
// `fdctl monitor` shows Firedancer's: one row per tile with its rate in and
// out, input queue depth, drops and share of time busy, redrawn every
// second. --once prints one snapshot (two scrapes an interval apart, for
// the rates) and exits: what tests and scripts use.
//
// It reads the node's /status and /metrics only. Per tile (label `tile`):
//   vigil_tile_in_total, vigil_tile_out_total      items taken and passed on
//   vigil_tile_queue_depth                         items waiting at its input
//   vigil_tile_dropped_total{reason}               items it dropped
//   vigil_tile_busy_seconds_total                  time spent working
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "command.hpp"
#include "host/promtext/promtext.hpp"
#include "host/rpc/http_client.hpp"

namespace {

using vigil::promtext::Metrics;

struct Options {
  std::string target = "127.0.0.1:17002";
  bool once = false;
  double interval = 1.0;
};

struct Snapshot {
  nlohmann::json status;
  Metrics metrics;
  std::chrono::steady_clock::time_point at;
};

std::optional<Snapshot> scrape(vigil::rpc::HttpClient& http) {
  auto st = http.get("/status");
  auto mt = http.get("/metrics");
  if (!st || !mt || st->status != 200 || mt->status != 200) return std::nullopt;
  Snapshot s;
  s.status = nlohmann::json::parse(st->body, nullptr, false);
  if (s.status.is_discarded()) return std::nullopt;
  s.metrics = vigil::promtext::parse(mt->body);
  s.at = std::chrono::steady_clock::now();
  return s;
}

std::set<std::string> tiles(const Metrics& m) {
  std::set<std::string> out;
  for (const auto& s : m.samples) {
    if (s.name.rfind("vigil_tile_", 0) == 0 && !s.label("tile").empty())
      out.insert(s.label("tile"));
  }
  return out;
}

std::string field(const nlohmann::json& j, const char* key) {
  if (!j.contains(key)) return "-";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

std::string render(const Snapshot& a, const Snapshot& b) {
  const double dt = std::chrono::duration<double>(b.at - a.at).count();
  auto rate = [&](const char* name, const std::string& tile) {
    const double d = b.metrics.sum(name, {{"tile", tile}}) - a.metrics.sum(name, {{"tile", tile}});
    return dt > 0 ? d / dt : 0.0;
  };
  char line[256];
  std::string out;
  std::snprintf(line, sizeof line,
                "node %s  epoch %s  round %s  height %s  peers %s  engine %s\n\n",
                field(b.status, "node").c_str(), field(b.status, "epoch").c_str(),
                field(b.status, "round").c_str(), field(b.status, "height").c_str(),
                field(b.status, "peers").c_str(), field(b.status, "engine").c_str());
  out += line;
  std::snprintf(line, sizeof line, "%-12s %12s %12s %8s %12s %10s %7s\n", "tile", "in/s", "out/s",
                "queue", "drops", "drops/s", "busy%");
  out += line;
  const std::set<std::string> names = tiles(b.metrics);
  for (const std::string& t : names) {
    const double busy = 100.0 * rate("vigil_tile_busy_seconds_total", t);
    std::snprintf(line, sizeof line, "%-12s %12.0f %12.0f %8.0f %12.0f %10.0f %6.1f%%\n", t.c_str(),
                  rate("vigil_tile_in_total", t), rate("vigil_tile_out_total", t),
                  b.metrics.sum("vigil_tile_queue_depth", {{"tile", t}}),
                  b.metrics.sum("vigil_tile_dropped_total", {{"tile", t}}),
                  rate("vigil_tile_dropped_total", t), busy > 100 ? 100.0 : busy);
    out += line;
  }
  if (names.empty()) out += "(the node exports no vigil_tile_* metrics)\n";
  return out;
}

int run(const Options& o) {
  vigil::rpc::HttpClient http(o.target, 2000);
  auto prev = scrape(http);
  if (!prev) {
    std::fprintf(stderr, "vigil monitor: no answer from http://%s (/status, /metrics)\n",
                 o.target.c_str());
    return 1;
  }
  const bool tty = isatty(STDOUT_FILENO) == 1;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::duration<double>(o.interval));
    auto next = scrape(http);
    if (!next) {
      std::fprintf(stderr, "vigil monitor: lost http://%s\n", o.target.c_str());
      return 1;
    }
    const std::string table = render(*prev, *next);
    std::fputs(tty && !o.once ? ("\033[H\033[2J" + table).c_str() : table.c_str(), stdout);
    std::fflush(stdout);
    if (o.once) return 0;
    prev = std::move(next);
  }
}

const bool registered = vigil::tool::register_command(
    {"monitor", "Live table of a running vigild's tiles (rates, queues, drops, busy)", "",
     [](CLI::App& app) {
       auto o = std::make_shared<Options>();
       app.add_option("target", o->target, "The node's HTTP address (HOST:PORT)");
       app.add_flag("--once", o->once, "Print one snapshot and exit");
       app.add_option("--interval", o->interval, "Seconds between refreshes")
           ->check(CLI::Range(0.1, 60.0));
       app.callback([o] { vigil::tool::exit_status() = run(*o); });
     }});

}  // namespace
