// The cuda driver and the CUDA build of the kernels, where a GPU exists:
// speccheck vectors under both rule sets, random and mutated signatures
// against the CPU engine, batches in flight, and the injected-fault path,
// for each field representation and launch shape (kernels/variant.hpp).
// Without a GPU every case skips with one line saying why.
#include <gtest/gtest.h>

#include "drivers/accel/cuda_accelerator.hpp"
#include "tests/accel/accel_test_util.hpp"

namespace {

using vigil::accel::InjectedFault;
using vigil::crypto::Rules;
using vigil::kernels::Field;
using vigil::kernels::VerifyShape;

class Cuda : public ::testing::TestWithParam<VerifyShape> {
 protected:
  std::unique_ptr<vigil::accel::Accelerator> cuda(vigil::accel::Options o, std::string* why) {
    o.max_batch = 65536;
    o.max_msg_bytes = 8u << 20;
    o.kernel = GetParam();
    return vigil::accel::make_accelerator("cuda", o, why);
  }
};

#define CUDA_OR_SKIP(var, opts) \
  std::string why;              \
  auto var = cuda(opts, &why);  \
  if (!var) GTEST_SKIP() << why;

TEST_P(Cuda, SpeccheckVectorsBothRuleSets) {
  CUDA_OR_SKIP(acc, {});
  auto spec = vigil::test::load_speccheck(VIGIL_VECTORS_DIR);
  for (Rules r : {Rules::strict, Rules::zip215}) {
    auto b = vigil::test::make_batch(spec.cases, r);
    auto c = acc->verify_now(*b);
    std::string got;
    for (uint32_t i = 0; i < b->count(); ++i) got += c.valid(i) ? 'V' : 'X';
    EXPECT_EQ(got, r == Rules::strict ? spec.strict : spec.zip215);
  }
}

TEST_P(Cuda, RandomAndMutatedSignaturesMatchTheCpuEngine) {
  CUDA_OR_SKIP(acc, {});
  vigil::test::CaseGenerator gen(2026);
  auto cases = gen.make(20000);
  for (Rules r : {Rules::strict, Rules::zip215}) {
    auto b = vigil::test::make_batch(cases, r);
    auto c = acc->verify_now(*b);
    EXPECT_EQ(c.summary.status, VIGIL_OK);
    vigil::test::expect_matches_cpu(*b, c);
  }
}

TEST_P(Cuda, InjectedFaultReverifiesOnTheCpu) {
  vigil::accel::Options o;
  o.deadline = std::chrono::milliseconds(500);
  CUDA_OR_SKIP(acc, o);
  vigil::test::CaseGenerator gen(7);
  auto b = vigil::test::make_batch(gen.make(500), Rules::zip215);
  acc->inject_fault(InjectedFault::hang);
  auto c = acc->verify_now(*b);
  EXPECT_EQ(c.summary.status, VIGIL_ERR_DEADLINE);
  vigil::test::expect_matches_cpu(*b, c);
  EXPECT_TRUE(acc->stats().device_down);
}

// The shapes the device-check measures: both representations, 64 threads
// per block (full batches) and 32 (small ones spread over more SMs).
INSTANTIATE_TEST_SUITE_P(Shapes, Cuda,
                         ::testing::Values(VerifyShape{Field::fe51, 64},
                                           VerifyShape{Field::fe25, 64},
                                           VerifyShape{Field::fe51, 32},
                                           VerifyShape{Field::fe25, 32}),
                         [](const auto& p) {
                           return std::string(vigil::kernels::field_name(p.param.field)) +
                                  "_block" + std::to_string(p.param.block);
                         });

// A launch shape outside the kernel's range is refused before any device is
// touched (so this runs without a GPU too).
TEST(CudaShape, BlockOutsideTheRangeIsRefused) {
#if !VIGIL_HAVE_CUDA
  GTEST_SKIP() << "built without CUDA (VIGIL_CUDA=OFF): the shape check is the CUDA driver's";
#endif
  for (unsigned block : {0u, 7u, 48u, 512u}) {
    vigil::accel::Options o;
    o.kernel.block = block;
    std::string why;
    EXPECT_FALSE(vigil::accel::make_accelerator("cuda", o, &why)) << block;
    EXPECT_NE(why.find("power of two"), std::string::npos) << why;
  }
}

}  // namespace
