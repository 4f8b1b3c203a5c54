// Runs a range of simulator seeds and reports every failing one with the
// command that replays it (shared by the default and the soak suites).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <ostream>
#include <string>

#include "host/consensus/sim/simulation.hpp"

namespace vigil::consensus::test {

struct SeedRange {
  uint32_t nodes;
  uint32_t byzantine;
  uint64_t from;
  uint64_t count;
};

inline void PrintTo(const SeedRange& r, std::ostream* os) {
  *os << "n=" << r.nodes << " byzantine=" << r.byzantine << " seeds " << r.from << ".."
      << r.from + r.count - 1;
}

inline std::string range_name(const ::testing::TestParamInfo<SeedRange>& info) {
  const SeedRange& r = info.param;
  return "n" + std::to_string(r.nodes) + "_byz" + std::to_string(r.byzantine) + "_seeds" +
         std::to_string(r.from) + "_" + std::to_string(r.from + r.count - 1);
}

struct RangeTotals {
  uint64_t failed = 0, commits = 0, evidence = 0, parse_drops = 0, epochs = 0;
};

inline RangeTotals run_range(const SeedRange& r) {
  RangeTotals t;
  sim::SimOptions opt;
  opt.nodes = r.nodes;
  opt.byzantine = r.byzantine;
  for (uint64_t s = r.from; s < r.from + r.count; ++s) {
    opt.seed = s;
    sim::SimResult res = sim::run_schedule(opt);
    t.commits += res.min_height;
    t.evidence += res.evidence;
    t.parse_drops += res.parse_drops;
    t.epochs += res.epochs;
    if (res.violations.empty()) continue;
    ++t.failed;
    std::string all;
    for (const auto& v : res.violations) all += "\n  " + v;
    ADD_FAILURE() << "seed " << s << " (" << res.schedule << "):" << all
                  << "\n  replay: " << sim::replay_command(opt);
  }
  return t;
}

}  // namespace vigil::consensus::test
