// vigil sim: run seeded consensus schedules in the deterministic simulator
// (host/consensus/sim) and check safety, liveness and double-signing after
// each; exit status 1 on any violation, with the command that replays it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "command.hpp"
#include "host/consensus/evidence.hpp"
#include "host/consensus/sim/simulation.hpp"
#include "progress.hpp"

namespace {

struct SimArgs {
  uint32_t nodes = 4;
  int byzantine = -1;  // default: the most the set tolerates, (n - 1) / 3
  uint64_t seeds = 100;
  uint64_t from = 1;
  bool progress = false;
  bool unsafe_node = false;
  bool trace = false;
  bool over_f = false;
  std::vector<std::string> attacks;
  std::vector<std::string> revert_fixes;
  std::string evidence_out;
};

int run(const SimArgs& a) {
  using namespace vigil::consensus;
  sim::SimOptions opt;
  opt.nodes = a.nodes;
  opt.byzantine = a.byzantine < 0 ? (a.nodes - 1) / 3 : uint32_t(a.byzantine);
  opt.unsafe_node = a.unsafe_node;
  opt.trace = a.trace;
  opt.allow_over_f = a.over_f;
  for (const auto& name : a.attacks) opt.attacks |= sim::revert_fix_bit(name);
  for (const auto& name : a.revert_fixes) opt.revert_fixes |= sim::revert_fix_bit(name);
  if (opt.byzantine >= opt.nodes || (opt.byzantine > (opt.nodes - 1) / 3 && !a.over_f)) {
    std::fprintf(stderr,
                 "vigil sim: --byzantine %u is more than (n-1)/3 = %u for n = %u (--over-f to "
                 "allow it, expecting violations)\n",
                 opt.byzantine, (opt.nodes - 1) / 3, opt.nodes);
    return 2;
  }
  vigil::tool::Progress bar("sim", a.seeds, a.progress);
  uint64_t violations = 0, failed = 0, rounds = 0, commits = 0, messages = 0, evidence = 0,
           epochs = 0, drops = 0, gst_rounds = 0;
  std::vector<Evidence> all_evidence;
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t k = 0; k < a.seeds; ++k) {
    opt.seed = a.from + k;
    sim::SimResult r = sim::run_schedule(opt);
    rounds += r.max_round;
    commits += r.min_height;
    messages += r.messages;
    evidence += r.evidence;
    epochs += r.epochs;
    drops += r.parse_drops;
    gst_rounds = std::max(gst_rounds, r.gst_rounds);
    if (!a.evidence_out.empty() && !r.evidence_file.empty()) {
      std::vector<Evidence> list;
      if (parse_evidence(r.evidence_file, list))
        all_evidence.insert(all_evidence.end(), list.begin(), list.end());
    }
    if (!r.violations.empty()) {
      ++failed;
      violations += r.violations.size();
      bar.finish();  // the report takes the progress line's place
      std::printf("seed %llu FAILED (%s)\n", (unsigned long long)opt.seed, r.schedule.c_str());
      for (const auto& v : r.violations) std::printf("  %s\n", v.c_str());
      std::printf("  replay: %s\n", sim::replay_command(opt).c_str());
    }
    bar.update(k + 1, std::to_string(violations) + " violations");
  }
  bar.finish();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf(
      "schedules %llu (seeds %llu..%llu, n=%u, byzantine=%u%s): rounds %llu, commits %llu "
      "(blocks, lowest honest node per schedule), messages %llu, epoch changes %llu, evidence "
      "%llu, malformed dropped %llu, most rounds from GST to a new commit %llu; violations %llu "
      "in %llu schedules; %.1f s\n",
      (unsigned long long)a.seeds, (unsigned long long)a.from,
      (unsigned long long)(a.from + a.seeds - 1), opt.nodes, opt.byzantine,
      a.unsafe_node      ? ", validator 0 unsafe"
      : opt.revert_fixes ? ", fixes reverted"
                         : "",
      (unsigned long long)rounds, (unsigned long long)commits, (unsigned long long)messages,
      (unsigned long long)epochs, (unsigned long long)evidence, (unsigned long long)drops,
      (unsigned long long)gst_rounds, (unsigned long long)violations, (unsigned long long)failed,
      secs);
  if (!a.evidence_out.empty()) {
    Bytes file = serialize_evidence(all_evidence);
    std::ofstream out(a.evidence_out, std::ios::binary);
    out.write(reinterpret_cast<const char*>(file.data()), std::streamsize(file.size()));
    std::printf("evidence: %zu proofs written to %s\n", all_evidence.size(),
                a.evidence_out.c_str());
  }
  return violations == 0 ? 0 : 1;
}

const bool registered = vigil::tool::register_command(
    {"sim", "Run seeded consensus schedules in the deterministic simulator", "", [](CLI::App& app) {
       auto a = std::make_shared<SimArgs>();
       app.add_option("--nodes", a->nodes, "validators (n)")->check(CLI::Range(1, 128));
       app.add_option("--byzantine", a->byzantine,
                      "Byzantine validators (default (n-1)/3, the most tolerated)");
       app.add_option("--seeds", a->seeds, "number of schedules");
       app.add_option("--from", a->from, "first seed");
       app.add_flag("--progress", a->progress, "progress bar even when stdout is not a terminal");
       app.add_flag("--unsafe-node", a->unsafe_node,
                    "test only: validator 0 runs with its safety rules off (expect violations)");
       app.add_flag("--over-f", a->over_f,
                    "test only: allow more Byzantine validators than (n-1)/3 (expect violations)");
       app.add_option("--attack", a->attacks,
                      "schedules favour the attack that --revert-fix NAME would let through, with "
                      "the fix in (same names; repeatable)")
           ->check(CLI::IsMember({"qc-cache", "tc-cache", "epoch-sync", "sync-bytes"}));
       app.add_option("--revert-fix", a->revert_fixes,
                      "test only: re-introduce a fixed defect in honest nodes (qc-cache, tc-cache, "
                      "epoch-sync, sync-bytes; repeatable; expect violations)")
           ->check(CLI::IsMember({"qc-cache", "tc-cache", "epoch-sync", "sync-bytes"}));
       app.add_flag("--trace", a->trace, "print every schedule's events to stderr");
       app.add_option("--evidence-out", a->evidence_out,
                      "write the equivocation evidence honest nodes recorded to this file");
       app.callback([a] { vigil::tool::exit_status() = run(*a); });
     }});

}  // namespace
