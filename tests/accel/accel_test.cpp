// The Accelerator drivers: results equal to the CPU engine's, bounded queues,
// refusals, engine selection, and the fault path (an injected device error,
// lost device and hang each re-verify on the CPU, count one fault, mark the
// device down and lose no verdict), on the cpu driver and on the opencl
// driver over PoCL's CPU device.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstring>
#include <future>
#include <thread>
#include <vector>

#include "drivers/accel/cuda_accelerator.hpp"
#include "drivers/accel/item_verifier.hpp"
#include "drivers/accel/queued_accelerator.hpp"
#include "host/batch/batch.hpp"
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
    // Long enough that a healthy PoCL batch of 300 meets it on a loaded
    // machine (it was marked down before the fault was injected).
    o.deadline = std::chrono::milliseconds(1500);
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

// A small batch submitted behind queued large ones completes before them.
TEST(Queue, SmallBatchesOvertakeQueuedLargeOnes) {
  Options o;
  o.workers = 1;
  o.express_slots = 0;  // one slot in all: only queue order matters
  o.max_in_flight = 8;
  o.express_items = 64;
  o.deadline = std::chrono::milliseconds(300);
  o.large_max_wait = std::chrono::seconds(10);  // no aging within this test
  std::string why;
  auto acc = engine("cpu", o, &why);
  ASSERT_TRUE(acc) << why;
  vigil::test::CaseGenerator gen(47);
  auto big = make_batch(gen.make(2500), Rules::strict);
  auto small = make_batch(gen.make(20), Rules::strict);
  std::vector<vigil::accel::Completion> done(4);
  acc->inject_fault(InjectedFault::hang);  // holds the one worker for 300 ms
  auto f0 = acc->submit(*big, done[0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto f1 = acc->submit(*big, done[1]);
  auto f2 = acc->submit(*big, done[2]);
  auto f3 = acc->submit(*small, done[3]);
  f3.get();
  // The small batch went ahead of both queued large ones.
  EXPECT_EQ(f1.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  EXPECT_EQ(f2.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  expect_matches_cpu(*small, done[3]);
  f0.get();
  f1.get();
  f2.get();
  expect_matches_cpu(*big, done[2]);
}

// With every regular slot held by a large batch, the express slot still
// verifies a small one at once.
TEST(Queue, ExpressSlotServesSmallBatchesWhileLargeOnesRun) {
  Options o;
  o.workers = 1;
  o.express_slots = 1;
  o.express_items = 64;
  o.deadline = std::chrono::milliseconds(1500);
  std::string why;
  auto acc = engine("cpu", o, &why);
  ASSERT_TRUE(acc) << why;
  vigil::test::CaseGenerator gen(48);
  auto big = make_batch(gen.make(500), Rules::zip215);
  auto small = make_batch(gen.make(30), Rules::zip215);
  vigil::accel::Completion c0, c1;
  acc->inject_fault(InjectedFault::hang);  // the regular slot hangs 1.5 s
  auto f0 = acc->submit(*big, c0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto t0 = std::chrono::steady_clock::now();
  acc->submit(*small, c1).get();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
  EXPECT_EQ(f0.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  EXPECT_EQ(c1.summary.status, VIGIL_OK);
  expect_matches_cpu(*small, c1);
  f0.get();
  EXPECT_EQ(c0.summary.status, VIGIL_ERR_DEADLINE);
  expect_matches_cpu(*big, c0);
}

// Finding 10, as mounted: a host batch (host/batch, 64-byte aligned
// regions) filled to the engine's own capacities is copied whole into the
// driver's staging buffer: it must fit (AddressSanitizer watches the copy
// in accel_test_asan); a view larger than the staging buffer is refused
// with TOO_LARGE, never copied, and the device stays up.
TEST_P(Drivers, HostBatchesFitTheStagingBufferAndLargerViewsAreRefused) {
  Options o;
  o.max_batch = 64;
  o.max_msg_bytes = 64 * 40;
  o.cache_dir = VIGIL_TEST_CACHE_DIR;
  std::string why;
  auto acc = vigil::accel::make_accelerator(GetParam(), o, &why);
  if (!acc) GTEST_SKIP() << why;
  vigil::batch::Batch b(o.max_batch, o.max_msg_bytes);
  vigil::crypto::Seed seed{};
  const auto key = vigil::crypto::keypair_from_seed(seed);
  for (uint32_t i = 0; i < o.max_batch; ++i) {
    std::array<uint8_t, 40> msg{};
    msg[0] = uint8_t(i);
    const auto sig = vigil::crypto::sign(key, msg);
    ASSERT_TRUE(b.add(key.public_key.data(), sig.data(), msg, 0));
  }
  EXPECT_EQ(b.buffer().size(), vigil::accel::staging_bytes(o));
  vigil::accel::Completion c;
  acc->submit(vigil::accel::BatchView{b.buffer()}, c).get();
  EXPECT_EQ(c.summary.status, VIGIL_OK);
  EXPECT_EQ(c.summary.valid, o.max_batch);
  const uint64_t limit = acc->capabilities().max_batch_bytes;
  if (limit != UINT64_MAX) {
    std::vector<uint8_t> bigger(b.buffer().begin(), b.buffer().end());
    bigger.resize(limit + 72);
    vigil::accel::Completion r;
    acc->submit(vigil::accel::BatchView{bigger}, r).get();
    EXPECT_EQ(r.summary.status, VIGIL_ERR_TOO_LARGE);
    EXPECT_EQ(r.summary.valid, 0u);
  }
  EXPECT_FALSE(acc->stats().device_down);
  EXPECT_EQ(acc->stats().faults, 0u);
}

// Finding 11: a device marked down is probed again after its backoff by a
// batch of known answers and re-enabled when it answers exactly.
TEST_P(Drivers, ADownDeviceIsProbedAndReenabled) {
  Options o;
  o.reprobe_initial = std::chrono::milliseconds(300);
  MAKE_OR_SKIP(acc, o);
  vigil::test::CaseGenerator gen(60);
  auto b = make_batch(gen.make(50), Rules::zip215);
  acc->inject_fault(InjectedFault::device_error);
  EXPECT_EQ(acc->verify_now(*b).summary.status, VIGIL_ERR_DEVICE_FAULT);
  EXPECT_TRUE(acc->stats().device_down);
  // Within the backoff: no probe, the CPU answers.
  expect_matches_cpu(*b, acc->verify_now(*b));
  EXPECT_EQ(acc->stats().probes, 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  // The probe fails (another injected fault): still down, backoff doubles.
  acc->inject_fault(InjectedFault::device_error);
  expect_matches_cpu(*b, acc->verify_now(*b));
  EXPECT_EQ(acc->stats().probes, 1u);
  EXPECT_TRUE(acc->stats().device_down);
  std::this_thread::sleep_for(std::chrono::milliseconds(650));
  auto c = acc->verify_now(*b);
  EXPECT_EQ(acc->stats().probes, 2u);
  EXPECT_EQ(acc->stats().reenabled, 1u);
  EXPECT_FALSE(acc->stats().device_down);
  EXPECT_EQ(c.summary.status, VIGIL_OK);
  EXPECT_EQ(c.summary.faults, 0u);
  expect_matches_cpu(*b, c);
}

// Finding 14: a malformed descriptor submitted while the engine stops is
// refused, not read out of bounds on the caller's thread.
TEST(Queue, ShutdownPathChecksTheDescriptor) {
  class Stopping : public vigil::accel::QueuedAccelerator {
   public:
    Stopping() : QueuedAccelerator(caps(), Options{}) { stop(); }  // no workers, stopping
    static vigil::accel::Capabilities caps() {
      vigil::accel::Capabilities c;
      c.caps = VIGIL_CAP_ED25519_ZIP215;
      c.max_msg_bytes = 1 << 20;
      return c;
    }
    vigil_error run_on_device(unsigned, const vigil::accel::BatchView&, vigil::accel::Completion&,
                              std::chrono::steady_clock::time_point, InjectedFault) override {
      return VIGIL_ERR_DEVICE_FAULT;
    }
  } acc;
  alignas(8) uint8_t buf[64] = {};
  auto* d = reinterpret_cast<vigil_batch_desc*>(buf);
  d->count = 1000;  // regions far outside the 64 bytes
  d->scheme = VIGIL_SCHEME_ED25519;
  d->rules = VIGIL_RULES_ZIP215;
  d->pubkey_off = 48;
  d->sig_off = 1 << 20;
  vigil::accel::Completion c;
  acc.submit(vigil::accel::BatchView{{buf, sizeof buf}}, c).get();
  EXPECT_EQ(c.summary.status, VIGIL_ERR_MALFORMED);
  EXPECT_EQ(c.summary.valid, 0u);
  EXPECT_EQ(acc.stats().refused, 1u);
}

// Finding 8, as mounted: the large queue full and its slot busy, a vote
// batch's submit() returns at once and the express slot verifies it.
TEST(Queue, ExpressSubmitNeverWaitsBehindLargeBatches) {
  Options o;
  o.workers = 1;
  o.express_slots = 1;
  o.express_items = 64;
  o.max_in_flight = 1;
  o.deadline = std::chrono::milliseconds(1500);
  std::string why;
  auto acc = engine("cpu", o, &why);
  ASSERT_TRUE(acc) << why;
  vigil::test::CaseGenerator gen(61);
  auto big = make_batch(gen.make(300), Rules::zip215);
  auto vote = make_batch(gen.make(4), Rules::zip215);
  std::vector<vigil::accel::Completion> done(4);
  acc->inject_fault(InjectedFault::hang);  // the regular slot hangs 1.5 s
  auto f0 = acc->submit(*big, done[0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto f1 = acc->submit(*big, done[1]);  // fills the large queue
  std::future<void> f2;
  std::thread blocked([&] { f2 = acc->submit(*big, done[2]); });  // waits for large room
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto t0 = std::chrono::steady_clock::now();
  acc->submit(*vote, done[3]).get();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(700));
  EXPECT_EQ(f0.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  expect_matches_cpu(*vote, done[3]);
  blocked.join();
  f0.get();
  f1.get();
  f2.get();
  EXPECT_GE(acc->stats().submit_waits, 1u);
}

// Finding 9, as mounted: a queue of small batches ahead of which one large
// batch waits. Aging lets it go once it has waited large_max_wait, before
// the small ones; and a bulk batch (a deadline-flushed transaction batch)
// is large whatever its count. Every batch is queued while the one worker
// is held, and order is read from the futures on this thread (the worker
// sets them in the order it verifies), so the verdict does not depend on
// how threads are scheduled: with aging, the small batches done when the
// large one is are those verified while this thread woke (each takes
// milliseconds); without it, all of them.
TEST(Queue, LargeBatchesAgeAndBulkBatchesStayLarge) {
  Options o;
  o.workers = 1;
  o.express_slots = 0;
  o.express_items = 64;
  o.max_in_flight_express = 256;  // every small batch queues at once
  o.large_max_wait = std::chrono::milliseconds(30);
  o.deadline = std::chrono::milliseconds(300);
  std::string why;
  auto acc = engine("cpu", o, &why);
  ASSERT_TRUE(acc) << why;
  vigil::test::CaseGenerator gen(62);
  auto big = make_batch(gen.make(200), Rules::zip215);
  auto small = make_batch(gen.make(64), Rules::strict);  // one by one: milliseconds each
  vigil::accel::Completion cb, hold;
  acc->inject_fault(InjectedFault::hang);  // holds the one worker 300 ms
  auto fh = acc->submit(*small, hold);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto fb = acc->submit(*big, cb);
  constexpr int kSmall = 160;
  std::vector<vigil::accel::Completion> cs(kSmall);
  std::vector<std::future<void>> fs;
  for (int i = 0; i < kSmall; ++i) fs.push_back(acc->submit(*small, cs[i]));
  fb.get();
  int small_done = 0;
  for (auto& f : fs) small_done += f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  for (auto& f : fs) f.get();
  fh.get();
  EXPECT_LT(small_done, kSmall / 2) << "the large batch waited for the small ones";
  expect_matches_cpu(*big, cb);

  // Bulk: a 5-item batch flagged bulk queues as large, so the plain small
  // batch submitted after it is verified first.
  Options p = o;
  p.large_max_wait = std::chrono::milliseconds(10000);
  p.deadline = std::chrono::milliseconds(1000);
  auto acc2 = engine("cpu", p, &why);
  ASSERT_TRUE(acc2) << why;
  vigil::batch::Batch bulk(8, 8 * 40, VIGIL_RULES_ZIP215, /*bulk=*/true);
  const auto key = vigil::crypto::keypair_from_seed({});
  for (uint8_t i = 0; i < 5; ++i) {
    std::array<uint8_t, 40> msg{i};
    const auto sig = vigil::crypto::sign(key, msg);
    ASSERT_TRUE(bulk.add(key.public_key.data(), sig.data(), msg, 0));
  }
  EXPECT_TRUE(bulk.desc().flags & VIGIL_BATCH_FLAG_BULK);
  vigil::accel::Completion c0, c1, c2;
  acc2->inject_fault(InjectedFault::hang);  // holds the one worker 1 s
  auto g0 = acc2->submit(*small, c0);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto g1 = acc2->submit(vigil::accel::BatchView{bulk.buffer().first(bulk.used_bytes())}, c1);
  auto g2 = acc2->submit(*small, c2);
  const bool both_queued = g0.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
  g1.get();
  if (both_queued) {  // else this thread slept past the hold: no order to check
    EXPECT_EQ(g2.wait_for(std::chrono::seconds(0)), std::future_status::ready)
        << "the bulk batch went first: it was queued as express";
  }
  g2.get();
  EXPECT_EQ(c1.summary.valid, 5u);
  g0.get();
}

// A batch laid out by another producer (descriptor padded to 64 bytes,
// regions at capacity offsets, as host/batch does) is taken as it is; an
// item with bad message offsets gets MALFORMED on every path; a descriptor
// pointing outside its buffer is refused whole.
TEST_P(Drivers, ForeignLayoutsAndMalformedDescriptors) {
  MAKE_OR_SKIP(acc);
  vigil::test::CaseGenerator gen(49);
  auto cases = gen.make(40);
  const uint32_t cap = 64, msg_cap = 64 * 200;
  vigil_batch_desc d{};
  d.count = uint32_t(cases.size());
  d.rules = VIGIL_RULES_ZIP215;
  d.scheme = VIGIL_SCHEME_ED25519;
  d.pubkey_off = 64;
  d.sig_off = d.pubkey_off + 32 * cap;
  d.msg_offsets_off = d.sig_off + 64 * cap;
  d.msg_off = d.msg_offsets_off + 4 * (cap + 1) + 4;
  std::vector<uint64_t> storage((d.msg_off + msg_cap) / 8 + 1);
  uint8_t* p = reinterpret_cast<uint8_t*>(storage.data());
  uint32_t used = 0;
  for (uint32_t i = 0; i < d.count; ++i) {
    std::memcpy(p + d.pubkey_off + 32 * i, cases[i].pk.data(), 32);
    std::memcpy(p + d.sig_off + 64 * i, cases[i].sig.data(), 64);
    uint32_t lo = used;
    std::memcpy(p + d.msg_off + used, cases[i].msg.data(), cases[i].msg.size());
    used += uint32_t(cases[i].msg.size());
    std::memcpy(p + d.msg_offsets_off + 4 * i, &lo, 4);
  }
  std::memcpy(p + d.msg_offsets_off + 4 * d.count, &used, 4);
  d.msg_bytes = used;
  std::memcpy(p, &d, sizeof d);
  const vigil::accel::BatchView view{{p, size_t(d.msg_off + msg_cap)}};
  ASSERT_TRUE(view.well_formed());
  vigil::accel::Completion got, want;
  acc->submit(view, got).get();
  vigil::accel::cpu_verify(view, vigil::crypto::Engine::automatic, want);
  EXPECT_EQ(got.verdict, want.verdict);
  EXPECT_EQ(got.errors, want.errors);
  // Item 3's offsets reversed.
  uint32_t bad = 1u << 30;
  std::memcpy(p + d.msg_offsets_off + 4 * 4, &bad, 4);
  acc->submit(view, got).get();
  vigil::accel::cpu_verify(view, vigil::crypto::Engine::automatic, want);
  EXPECT_EQ(got.errors[3], VIGIL_ERR_MALFORMED);
  EXPECT_FALSE(got.valid(3));
  EXPECT_EQ(got.verdict, want.verdict);
  EXPECT_EQ(got.errors, want.errors);
  // The message area past the end of the buffer: refused whole.
  const vigil::accel::BatchView cut{{p, size_t(d.msg_off + used - 1)}};
  acc->submit(cut, got).get();
  EXPECT_EQ(got.summary.status, VIGIL_ERR_MALFORMED);
  EXPECT_EQ(got.summary.valid, 0u);
}

// ItemVerifier splits items into batches the engine takes and puts every
// verdict back at its item's position, as crypto::verify_batch does.
TEST_P(Drivers, ItemVerifierMatchesVerifyBatchAcrossBatchBoundaries) {
  Options o;
  MAKE_OR_SKIP(acc, o);
  vigil::test::CaseGenerator gen(46);
  auto cases = gen.make(5000);  // over max_batch 4096: two batches
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
  // A message larger than the engine takes is verified by the CPU engine.
  std::vector<uint8_t> huge(2u << 20, 7);
  uint8_t pk[32], sk[64], sig[64];
  crypto_sign_keypair(pk, sk);
  crypto_sign_detached(sig, nullptr, huge.data(), huge.size(), sk);
  std::vector<vigil::crypto::VerifyItem> mixed = {items[0], {pk, sig, huge}, items[1]};
  std::vector<uint32_t> got(1), want(1);
  std::vector<uint8_t> got_err(3);
  vigil::accel::ItemVerifier v(*acc);
  v.verify(mixed, Rules::strict, got, got_err);
  vigil::crypto::verify_batch(mixed, Rules::strict, want);
  EXPECT_EQ(got, want);
  EXPECT_TRUE(got[0] & 2u);
}

INSTANTIATE_TEST_SUITE_P(Engines, Drivers, ::testing::Values("cpu", "opencl:pthread"),
                         [](const auto& p) {
                           return p.param == "cpu" ? std::string("cpu")
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
  EXPECT_TRUE(why.find("no OpenCL device") != std::string::npos ||
              why.find("without OpenCL") != std::string::npos)
      << why;
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
