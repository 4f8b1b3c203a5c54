// The default simulator suite: ~7,000 seeded schedules over n in {4, 7}
// (and a few n = 10), split into cases that ctest can run in parallel; each
// must end with no violation. Then: the checker can fail (safety rules off
// in one node: double signing; more than f Byzantine: forks), and a seed
// replays exactly.
#include <gtest/gtest.h>

#include "host/consensus/core.hpp"
#include "tests/consensus/sim_schedules.hpp"

namespace vigil::consensus::test {
namespace {

class SimSchedules : public ::testing::TestWithParam<SeedRange> {};

TEST_P(SimSchedules, NoViolations) {
  const SeedRange& r = GetParam();
  RangeTotals t = run_range(r);
  EXPECT_EQ(t.failed, 0u);
  // The schedules did something: blocks were committed, epochs changed and,
  // with Byzantine validators, equivocation was caught and junk dropped.
  EXPECT_GT(t.commits, r.count * 2);
  EXPECT_GT(t.epochs, 0u);
  if (r.byzantine > 0 && r.count >= 500) {
    EXPECT_GT(t.evidence, 0u);
    EXPECT_GT(t.parse_drops, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Default, SimSchedules,
                         ::testing::Values(SeedRange{4, 1, 1, 1000}, SeedRange{4, 1, 1001, 1000},
                                           SeedRange{4, 1, 2001, 1000}, SeedRange{4, 1, 3001, 1000},
                                           SeedRange{7, 2, 1, 500}, SeedRange{7, 2, 501, 500},
                                           SeedRange{7, 2, 1001, 500}, SeedRange{7, 2, 1501, 500},
                                           SeedRange{4, 0, 1, 500}, SeedRange{7, 0, 1, 250},
                                           SeedRange{10, 3, 1, 200}),
                         range_name);

TEST(SimChecker, FindsViolationsWhenOneNodeHasNoSafetyRules) {
  sim::SimOptions opt;
  opt.nodes = 4;
  opt.byzantine = 1;
  opt.unsafe_node = true;
  uint64_t failing = 0, double_signs = 0;
  for (uint64_t s = 1; s <= 100; ++s) {
    opt.seed = s;
    sim::SimResult r = sim::run_schedule(opt);
    failing += !r.violations.empty();
    for (const auto& v : r.violations)
      double_signs += v.find("honest validator 0 signed two conflicting") != std::string::npos;
  }
  // It is crashed often; its in-memory guards go with each crash, and with
  // no safety state consulted it votes again in a round it voted in.
  EXPECT_GE(failing, 5u);
  EXPECT_GE(double_signs, 5u);
}

TEST(SimChecker, FindsForksWithMoreThanFByzantine) {
  // Two Twins pairs among four validators: beyond what the protocol
  // tolerates, so the safety check (two blocks at one height) must fire.
  sim::SimOptions opt;
  opt.nodes = 4;
  opt.byzantine = 2;
  opt.allow_over_f = true;
  uint64_t forks = 0;
  for (uint64_t seed = 1; seed <= 500; ++seed) {
    opt.seed = seed;
    for (const auto& v : sim::run_schedule(opt).violations)
      forks += v.rfind("safety: two different blocks committed", 0) == 0;
  }
  EXPECT_GE(forks, 2u) << "forks found in seeds 1..500";
}

// Each fix of issue 10 reverted (CoreConfig::revert_fixes_for_test) must
// be found in a short seed range, and the same range with the fix in (and
// the same adversary) must be clean.
struct RevertCase {
  uint32_t bit;
  uint64_t seeds;
  uint64_t min_found;
};

uint64_t failing(uint32_t revert, uint32_t attacks, uint64_t seeds) {
  sim::SimOptions opt;
  opt.nodes = 4;
  opt.byzantine = 1;
  opt.attacks = attacks;
  opt.revert_fixes = revert;
  uint64_t n = 0;
  for (uint64_t s = 1; s <= seeds; ++s) {
    opt.seed = s;
    sim::SimResult r = sim::run_schedule(opt);
    n += !r.violations.empty();
    if (!revert)
      for (const auto& v : r.violations) ADD_FAILURE() << "seed " << s << ": " << v;
  }
  return n;
}

class SimRevertedFix : public ::testing::TestWithParam<RevertCase> {};

TEST_P(SimRevertedFix, IsFoundAndTheFixedCoreIsNot) {
  const RevertCase& c = GetParam();
  EXPECT_GE(failing(c.bit, 0, c.seeds), c.min_found)
      << sim::revert_fix_names(c.bit) << " reverted, seeds 1.." << c.seeds;
  EXPECT_EQ(failing(0, c.bit, c.seeds), 0u) << "the same schedules with the fix in";
}

INSTANTIATE_TEST_SUITE_P(Issue10, SimRevertedFix,
                         ::testing::Values(RevertCase{revert_qc_cache, 20, 5},
                                           RevertCase{revert_tc_cache, 60, 2},
                                           RevertCase{revert_epoch_sync, 30, 3},
                                           RevertCase{revert_sync_bytes, 10, 2}),
                         [](const auto& info) {
                           std::string n = sim::revert_fix_names(info.param.bit);
                           for (auto& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

TEST(SimChecker, ASeedReplaysExactly) {
  sim::SimOptions opt;
  opt.nodes = 7;
  opt.byzantine = 2;
  opt.seed = 12345;
  sim::SimResult a = sim::run_schedule(opt), b = sim::run_schedule(opt);
  EXPECT_EQ(a.schedule, b.schedule);
  EXPECT_EQ(a.messages, b.messages);
  EXPECT_EQ(a.max_round, b.max_round);
  EXPECT_EQ(a.min_height, b.min_height);
  EXPECT_EQ(a.evidence_file, b.evidence_file);
  EXPECT_NE(sim::replay_command(opt).find("--from 12345"), std::string::npos);
}

}  // namespace
}  // namespace vigil::consensus::test
