// The long soak (label soak, not in the default run): 100,000 schedules,
// 60,000 with n = 4 and 40,000 with n = 7, from seed 100,001 on so that
// they do not repeat the default suite's.
#include <gtest/gtest.h>

#include "tests/consensus/sim_schedules.hpp"

namespace vigil::consensus::test {
namespace {

class SoakSchedules : public ::testing::TestWithParam<SeedRange> {};

TEST_P(SoakSchedules, NoViolations) {
  EXPECT_EQ(run_range(GetParam()).failed, 0u);
}

std::vector<SeedRange> soak_ranges() {
  std::vector<SeedRange> out;
  for (uint64_t k = 0; k < 12; ++k) out.push_back({4, 1, 100001 + k * 5000, 5000});
  for (uint64_t k = 0; k < 8; ++k) out.push_back({7, 2, 100001 + k * 5000, 5000});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Soak, SoakSchedules, ::testing::ValuesIn(soak_ranges()), range_name);

}  // namespace
}  // namespace vigil::consensus::test
