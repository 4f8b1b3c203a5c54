// Helpers for the accelerator suites: batches from the shared case
// generator, and a check that a completion equals the CPU engine's.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "drivers/accel/accelerator.hpp"
#include "drivers/accel/cpu_engine.hpp"
#include "tests/kernels/ed25519_cases.hpp"

namespace vigil::test {

inline std::unique_ptr<accel::BatchBuffer> make_batch(const std::vector<SigCase>& cases,
                                                      crypto::Rules rules) {
  size_t bytes = 0;
  for (const auto& c : cases) bytes += c.msg.size();
  auto b = std::make_unique<accel::BatchBuffer>(uint32_t(cases.size()), uint32_t(bytes));
  b->clear(rules);
  for (const auto& c : cases) EXPECT_TRUE(b->add(c.pk.data(), c.sig.data(), c.msg));
  b->seal();
  return b;
}

// Every verdict and error byte equal to the CPU engine's on the same batch.
inline void expect_matches_cpu(const accel::BatchBuffer& b, const accel::Completion& got) {
  accel::Completion want;
  accel::cpu_verify(b, crypto::Engine::automatic, want);
  ASSERT_EQ(got.summary.count, b.count());
  ASSERT_EQ(got.errors.size(), b.count());
  EXPECT_EQ(got.summary.valid, want.summary.valid);
  for (uint32_t i = 0; i < b.count(); ++i) {
    ASSERT_EQ(got.valid(i), want.valid(i)) << "item " << i;
    ASSERT_EQ(got.errors[i], want.errors[i]) << "item " << i;
  }
}

}  // namespace vigil::test
