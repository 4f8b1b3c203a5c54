// The Accelerator drivers: results equal to the CPU engine's, bounded queues,
// refusals, engine selection, and the fault path (an injected device error,
// lost device and hang each re-verify on the CPU, count one fault, mark the
// device down and lose no verdict), on the cpu driver and on the opencl
// driver over PoCL's CPU device.
#include <gtest/gtest.h>

#include "drivers/accel/cuda_accelerator.hpp"
#include "drivers/accel/item_verifier.hpp"
#include "tests/accel/accel_test_util.hpp"

namespace {

using vigil::accel::Accelerator;
using vigil::accel::InjectedFault;
using vigil::accel::Options;
using vigil::crypto::Rules;
using vigil::test::expect_matches_cpu;
using vigil::test::make_batch;

std::unique_ptr<Accelerator> engine(const std::string& spec, Options opts, std::string* why) {
  opts.max_msg_bytes = 1u << 20;
  opts.max_batch = 4096;
  opts.cache_dir = VIGIL_TEST_CACHE_DIR;
  return vigil::accel::make_accelerator(spec, opts, why);
}

// The engines under test: the cpu driver always, PoCL's device when present.
class Drivers : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Accelerator> make(Options opts = {}) {
    std::string why;
    auto a = engine(GetParam(), opts, &why);
    if (!a) skip_ = why.empty() ? "engine missing" : why;
    return a;
  }
  std::string skip_;
};

#define MAKE_OR_SKIP(var, ...)  \
  auto var = make(__VA_ARGS__); \
  if (!var) GTEST_SKIP() << skip_;

TEST_P(Drivers, BatchesMatchTheCpuEngineInBothRuleSets) {
  MAKE_OR_SKIP(acc);
  vigil::test::CaseGenerator gen(42);
  auto cases = gen.make(700);
  for (Rules rules : {Rules::strict, Rules::zip215}) {
    auto b = make_batch(cases, rules);
    auto c = acc->verify_now(*b);
    EXPECT_EQ(c.summary.status, VIGIL_OK);
    EXPECT_EQ(c.summary.faults, 0u);
    expect_matches_cpu(*b, c);
  }
  EXPECT_FALSE(acc->stats().device_down);
  EXPECT_EQ(acc->stats().batches, 2u);
}

TEST_P(Drivers, ManyBatchesInFlightAllComplete) {
  Options o;
  o.max_in_flight = 2;
  MAKE_OR_SKIP(acc, o);
  vigil::test::CaseGenerator gen(43);
  std::vector<std::unique_ptr<vigil::accel::BatchBuffer>> batches;
  std::vector<vigil::accel::Completion> done(8);
  std::vector<std::future<void>> futs;
  for (int i = 0; i < 8; ++i) batches.push_back(make_batch(gen.make(1 + 37 * i), Rules::zip215));
  for (size_t i = 0; i < batches.size(); ++i) futs.push_back(acc->submit(*batches[i], done[i]));
  for (size_t i = 0; i < futs.size(); ++i) {
    futs[i].get();
    expect_matches_cpu(*batches[i], done[i]);
  }
  EXPECT_EQ(acc->stats().batches, 8u);
}

TEST_P(Drivers, EmptyAndOversizedBatches) {
  MAKE_OR_SKIP(acc);
  auto empty = make_batch({}, Rules::strict);
  auto c = acc->verify_now(*empty);
  EXPECT_EQ(c.summary.count, 0u);
  EXPECT_EQ(c.summary.status, VIGIL_OK);
  vigil::test::CaseGenerator gen(44);
  auto big = make_batch(gen.make(4097), Rules::strict);  // over max_batch 4096
  auto r = acc->verify_now(*big);
  EXPECT_EQ(r.summary.status, VIGIL_ERR_TOO_LARGE);
  EXPECT_EQ(r.summary.valid, 0u);
  EXPECT_EQ(acc->stats().refused, 1u);
}

// The fault path, for each kind of fault a device can have.
TEST_P(Drivers, InjectedFaultsReverifyOnTheCpuAndMarkTheDeviceDown) {
  for (InjectedFault f :
       {InjectedFault::device_error, InjectedFault::lost_device, InjectedFault::hang}) {
    Options o;
    o.deadline = std::chrono::milliseconds(300);
    MAKE_OR_SKIP(acc, o);
    vigil::test::CaseGenerator gen(45);
    auto cases = gen.make(300);
    auto first = make_batch(cases, Rules::strict);
    expect_matches_cpu(*first, acc->verify_now(*first));  // device healthy
    acc->inject_fault(f);
    auto b = make_batch(cases, Rules::zip215);
    auto c = acc->verify_now(*b);
    EXPECT_EQ(c.summary.status,
              f == InjectedFault::hang ? VIGIL_ERR_DEADLINE : VIGIL_ERR_DEVICE_FAULT);
    EXPECT_EQ(c.summary.faults, 1u);
    expect_matches_cpu(*b, c);  // no verdict lost
    auto s = acc->stats();
    EXPECT_TRUE(s.device_down);
    EXPECT_EQ(s.faults, 1u);
    // Later batches go to the CPU engine directly and still complete.
    auto after = acc->verify_now(*first);
    EXPECT_EQ(after.summary.status, VIGIL_OK);
    expect_matches_cpu(*first, after);
    EXPECT_EQ(acc->stats().cpu_fallback, 1u);
    EXPECT_EQ(acc->stats().faults, 1u);
  }
}

// ItemVerifier splits items into batches the engine takes and puts every
// verdict back at its item's position, as crypto::verify_batch does.
TEST_P(Drivers, ItemVerifierMatchesVerifyBatchAcrossBatchBoundaries) {
  Options o;
  MAKE_OR_SKIP(acc, o);
  vigil::test::CaseGenerator gen(46);
  auto cases = gen.make(9000);  // over max_batch 4096: three batches
  std::vector<vigil::crypto::VerifyItem> items;
  for (const auto& c : cases) items.push_back({c.pk.data(), c.sig.data(), c.msg});
  for (Rules rules : {Rules::strict, Rules::zip215}) {
    std::vector<uint32_t> got(VIGIL_VERDICT_WORDS(items.size())), want(got.size());
    std::vector<uint8_t> got_err(items.size()), want_err(items.size());
    vigil::accel::ItemVerifier v(*acc);
    EXPECT_EQ(v.verify(items, rules, got, got_err), 0u);
    vigil::crypto::verify_batch(items, rules, want, want_err);
    EXPECT_EQ(got, want);
    EXPECT_EQ(got_err, want_err);
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, Drivers, ::testing::Values("cpu", "opencl:pthread"),
                         [](const auto& info) {
                           return info.param == "cpu" ? std::string("cpu")
                                                      : std::string("opencl_pocl");
                         });

TEST(Selection, AutoNeverPicksPoclAndFallsBackToTheCpu) {
  std::string why;
  auto a = engine("auto", {}, &why);
  ASSERT_TRUE(a) << why;
  if (vigil::accel::cuda_device_count(nullptr) > 0) {
    EXPECT_EQ(a->capabilities().kind, vigil::accel::Kind::cuda);
  } else if (a->capabilities().kind == vigil::accel::Kind::opencl) {
    // Only a GPU may be chosen automatically.
    EXPECT_EQ(a->capabilities().name.find("pthread"), std::string::npos);
  } else {
    EXPECT_EQ(a->capabilities().kind, vigil::accel::Kind::cpu);
  }
}

TEST(Selection, UnknownOrAbsentEnginesSayWhy) {
  std::string why;
  EXPECT_FALSE(engine("quantum", {}, &why));
  EXPECT_NE(why.find("unknown engine"), std::string::npos);
  why.clear();
  EXPECT_FALSE(engine("opencl:no-such-device-xyz", {}, &why));
  EXPECT_NE(why.find("no OpenCL device"), std::string::npos) << why;
  why.clear();
  if (vigil::accel::cuda_device_count(nullptr) == 0) {
    EXPECT_FALSE(engine("cuda", {}, &why));
    EXPECT_NE(why.find("CUDA"), std::string::npos) << why;
  }
}

TEST(Selection, CapabilitiesDescribeTheEngine) {
  std::string why;
  auto a = engine("cpu", {}, &why);
  ASSERT_TRUE(a);
  const auto& caps = a->capabilities();
  EXPECT_EQ(caps.kind, vigil::accel::Kind::cpu);
  EXPECT_EQ(caps.max_batch, 4096u);
  EXPECT_TRUE(caps.supports(Rules::strict));
  EXPECT_TRUE(caps.supports(Rules::zip215));
  EXPECT_EQ(caps.caps & VIGIL_CAP_DEVICE, 0u);
}

}  // namespace
