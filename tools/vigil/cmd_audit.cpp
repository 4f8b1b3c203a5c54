// vigil audit DIR: re-derives a ledger from its files, read-only
// (host/ledger/audit.hpp), and ends with one verdict line, or with --json
// one object: ok, height, blocks, transactions, and on failure
// first_bad_height and what. Exit status 0 when the store is sound, 1 when
// anything is wrong (including a store RocksDB cannot open or read).
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "command.hpp"
#include "host/ledger/audit.hpp"

namespace {

struct Args {
  std::string dir;
  bool json = false;
  bool progress = false;
};

void progress_bar(uint64_t done, uint64_t total) {
  const int width = 40;
  int filled = int(total ? done * width / total : width);
  std::fprintf(stderr, "\r[%.*s%*s] %llu/%llu blocks", filled,
               "========================================", width - filled, "",
               (unsigned long long)done, (unsigned long long)total);
  if (done == total) std::fputc('\n', stderr);
}

int run(const Args& a) {
  const bool bar = a.progress || (!a.json && isatty(STDERR_FILENO));
  vigil::ledger::AuditReport r = vigil::ledger::audit_store(
      a.dir, bar ? progress_bar : std::function<void(uint64_t, uint64_t)>{});
  if (a.json) {
    nlohmann::json j = {
        {"ok", r.ok}, {"height", r.height}, {"blocks", r.blocks}, {"transactions", r.transactions}};
    if (!r.ok) {
      j["first_bad_height"] = r.first_bad_height;
      j["what"] = r.what;
    }
    std::printf("%s\n", j.dump().c_str());
  } else if (r.ok) {
    std::printf(
        "audit OK: %llu blocks (heights 0..%llu, %llu transactions) re-derived, last "
        "height %llu\n",
        (unsigned long long)r.blocks, (unsigned long long)r.height,
        (unsigned long long)r.transactions, (unsigned long long)r.height);
  } else {
    std::printf("audit FAILED at height %llu: %s (%llu blocks checked before it)\n",
                (unsigned long long)r.first_bad_height, r.what.c_str(),
                (unsigned long long)r.blocks);
  }
  return r.ok ? 0 : 1;
}

const bool registered = vigil::tool::register_command(
    {"audit", "Re-derive a ledger offline (read-only) and name the first bad height", "",
     [](CLI::App& app) {
       auto a = std::make_shared<Args>();
       app.add_option("DIR", a->dir, "ledger directory")->required();
       app.add_flag("--json", a->json, "print one JSON object instead of the verdict line");
       app.add_flag("--progress", a->progress, "progress bar even when stderr is not a TTY");
       app.callback([a] { vigil::tool::exit_status() = run(*a); });
     }});

}  // namespace
