// Batch layout (the contract's SoA descriptor), the size/deadline batcher
// and the bounded SPSC ring.
#include "host/batch/batch.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "host/batch/batcher.hpp"
#include "host/batch/spsc_ring.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/ingest/traffic.hpp"

namespace vigil::batch {
namespace {

TEST(Batch, LayoutIsTheContractsDescriptor) {
  Batch b(100, 1000);
  const vigil_batch_desc& d = b.desc();
  EXPECT_EQ(static_cast<const void*>(&d), static_cast<const void*>(b.buffer().data()));
  EXPECT_EQ(d.count, 0u);
  EXPECT_EQ(d.scheme, VIGIL_SCHEME_ED25519);
  EXPECT_EQ(d.rules, VIGIL_RULES_ZIP215);
  EXPECT_EQ(d.pubkey_off % 64, 0u);
  EXPECT_GE(d.pubkey_off, sizeof(vigil_batch_desc));
  EXPECT_GE(d.sig_off, d.pubkey_off + 100 * 32);
  EXPECT_GE(d.msg_offsets_off, d.sig_off + 100 * 64);
  EXPECT_GE(d.msg_off, d.msg_offsets_off + 101 * 4);
  EXPECT_GE(b.buffer().size(), d.msg_off + 1000);

  uint8_t pk[32], sig[64];
  std::vector<std::vector<uint8_t>> msgs;
  for (uint32_t i = 0; i < 10; ++i) {
    std::memset(pk, int(i), 32);
    std::memset(sig, int(100 + i), 64);
    msgs.emplace_back(i * 3, uint8_t(200 + i));
    ASSERT_TRUE(b.add(pk, sig, msgs.back(), 0x0a000000 + i));
  }
  // Read it back the way a device would: only the buffer and descriptor.
  const uint8_t* base = b.buffer().data();
  const auto* desc = reinterpret_cast<const vigil_batch_desc*>(base);
  ASSERT_EQ(desc->count, 10u);
  const auto* off = reinterpret_cast<const uint32_t*>(base + desc->msg_offsets_off);
  EXPECT_EQ(off[0], 0u);
  for (uint32_t i = 0; i < 10; ++i) {
    EXPECT_EQ(base[desc->pubkey_off + 32 * i + 31], i);
    EXPECT_EQ(base[desc->sig_off + 64 * i], 100 + i);
    ASSERT_EQ(off[i + 1] - off[i], i * 3);
    for (uint32_t k = off[i]; k < off[i + 1]; ++k) EXPECT_EQ(base[desc->msg_off + k], 200 + i);
    EXPECT_EQ(b.source(i), 0x0a000000 + i);
  }
  EXPECT_EQ(desc->msg_bytes, off[10]);
  b.clear();
  EXPECT_EQ(b.count(), 0u);
  EXPECT_EQ(b.desc().msg_bytes, 0u);
}

// The batcher hands the engines exactly what a frame's signature covers:
// a batch of signed frames verifies, item by item, with no other input.
TEST(Batch, FrameItemsCarryExactlyTheSignedMessage) {
  const crypto::Keypair key = ingest::sender_keypair(11, 0);
  Batcher bt({.max_items = 3, .max_msg_bytes = 4096, .deadline_us = 10, .pool = 2});
  std::vector<std::vector<uint8_t>> frames;
  for (size_t len : {size_t(0), size_t(17), size_t(VIGIL_TX_PAYLOAD_MAX)}) {
    std::vector<uint8_t> payload(len, uint8_t(len));
    frames.emplace_back(ingest::frame_size(len));
    ASSERT_EQ(ingest::sign_frame(key, payload, frames.back()), frames.back().size());
    ingest::FrameView v;
    ASSERT_EQ(ingest::parse_frame(frames.back(), v), VIGIL_OK);
    ASSERT_TRUE(bt.add(v, 7, 0));
  }
  Batch* b = nullptr;
  ASSERT_TRUE(bt.ready().pop(b));
  ASSERT_EQ(b->count(), 3u);
  std::vector<crypto::VerifyItem> items;
  for (uint32_t i = 0; i < 3; ++i) {
    ingest::FrameView v;
    ASSERT_EQ(ingest::parse_frame(frames[i], v), VIGIL_OK);
    std::vector<uint8_t> want(ingest::kSignedMessageMax);
    want.resize(ingest::frame_signed_message(v, want));
    const std::span<const uint8_t> got = b->message(i);
    EXPECT_TRUE(std::equal(got.begin(), got.end(), want.begin(), want.end())) << i;
    items.push_back({b->public_key(i), b->signature(i), got});
  }
  std::vector<uint32_t> verdict(1);
  crypto::verify_batch(items, crypto::Rules::zip215, verdict);
  EXPECT_EQ(verdict[0], 0b111u);
}

TEST(Batch, RefusesWhatDoesNotFit) {
  Batch b(2, 10);
  uint8_t pk[32] = {}, sig[64] = {};
  std::vector<uint8_t> m6(6), m5(5);
  EXPECT_TRUE(b.add(pk, sig, m6, 0));
  EXPECT_FALSE(b.add(pk, sig, m5, 0));  // 11 bytes > 10
  EXPECT_EQ(b.count(), 1u);
  EXPECT_TRUE(b.add(pk, sig, std::span(m5).first(4), 0));
  EXPECT_FALSE(b.add(pk, sig, {}, 0));  // 2 items max
  EXPECT_EQ(b.desc().msg_bytes, 10u);
}

TEST(Batcher, FlushesOnSizeBytesAndDeadline) {
  Batcher bt({.max_items = 3, .max_msg_bytes = 100, .deadline_us = 50, .pool = 4});
  uint8_t pk[32] = {}, sig[64] = {};
  std::vector<uint8_t> small(10), big(80);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(bt.add(pk, sig, small, 1, 0));
  EXPECT_EQ(bt.ready().size(), 1u);  // full on items
  ASSERT_TRUE(bt.add(pk, sig, big, 1, 100));
  ASSERT_TRUE(bt.add(pk, sig, big, 1, 101));  // 160 bytes would not fit: flush
  EXPECT_EQ(bt.ready().size(), 2u);
  EXPECT_FALSE(bt.poll(150));  // opened at 101
  EXPECT_TRUE(bt.poll(151));
  EXPECT_EQ(bt.ready().size(), 3u);
  EXPECT_EQ(bt.counters().flushed_full, 2u);
  EXPECT_EQ(bt.counters().flushed_deadline, 1u);
  Batch* b;
  uint32_t counts[3];
  for (uint32_t& c : counts) {
    ASSERT_TRUE(bt.ready().pop(b));
    c = b->count();
    bt.recycle(b);
  }
  EXPECT_EQ(counts[0], 3u);
  EXPECT_EQ(counts[1], 1u);
  EXPECT_EQ(counts[2], 1u);
  std::vector<uint8_t> huge(101);
  EXPECT_FALSE(bt.add(pk, sig, huge, 1, 200));
  EXPECT_EQ(bt.counters().dropped_too_large, 1u);
}

TEST(Batcher, BackpressureDropsAndCountsWhenEveryBatchIsOut) {
  Batcher bt({.max_items = 2, .max_msg_bytes = 64, .deadline_us = 10, .pool = 2});
  uint8_t pk[32] = {}, sig[64] = {};
  std::vector<uint8_t> m(4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(bt.add(pk, sig, m, 1, 0));
  const size_t mem = bt.memory_bytes();
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(bt.add(pk, sig, m, 1, 0));
  EXPECT_EQ(bt.counters().dropped_no_batch, 1000u);
  EXPECT_EQ(bt.ready().size(), 2u);
  EXPECT_EQ(bt.memory_bytes(), mem);
  Batch* b;
  ASSERT_TRUE(bt.ready().pop(b));
  bt.recycle(b);
  EXPECT_TRUE(bt.add(pk, sig, m, 1, 0));  // room again
}

TEST(Batcher, HandsBatchesToAnotherThreadAndGetsThemBack) {
  // The batcher's producer side on this thread, a verifier on another:
  // every item arrives once, in order, and the pool is all that is used.
  Batcher bt({.max_items = 16, .max_msg_bytes = 16 * 8, .deadline_us = 5, .pool = 3});
  constexpr uint64_t kItems = 200000;
  std::atomic<bool> done{false};
  uint64_t seen = 0;
  bool in_order = true;
  std::thread verifier([&] {
    Batch* b;
    while (true) {
      if (!bt.ready().pop(b)) {
        if (done.load(std::memory_order_acquire) && bt.ready().size() == 0) break;
        std::this_thread::yield();
        continue;
      }
      for (uint32_t i = 0; i < b->count(); ++i) {
        uint64_t v;
        std::memcpy(&v, b->message(i).data(), 8);
        in_order &= v == seen++;
      }
      bt.recycle(b);
    }
  });
  uint8_t pk[32] = {}, sig[64] = {};
  uint64_t sent = 0, now = 0;
  while (sent < kItems) {
    uint8_t msg[8];
    std::memcpy(msg, &sent, 8);
    if (bt.add(pk, sig, msg, 1, now)) {
      ++sent;
    } else {
      std::this_thread::yield();  // every batch is with the verifier: try again
    }
    bt.poll(++now);
  }
  while (!bt.flush() && bt.counters().items != sent) std::this_thread::yield();
  done.store(true, std::memory_order_release);
  verifier.join();
  EXPECT_EQ(seen, kItems);
  EXPECT_TRUE(in_order);
  EXPECT_EQ(bt.counters().items, kItems);
}

TEST(SpscRing, FullRingDropsAndCountsAndNeverGrows) {
  SpscRing<int> r(5);
  EXPECT_EQ(r.capacity(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(r.push(i));
  EXPECT_FALSE(r.push(8));
  const int more[] = {9, 10, 11};
  EXPECT_EQ(r.push_burst(more), 0u);
  EXPECT_EQ(r.dropped(), 4u);
  EXPECT_EQ(r.size(), 8u);
  int out[3];
  EXPECT_EQ(r.pop_burst(out), 3u);
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[2], 2);
  EXPECT_EQ(r.push_burst(more), 3u);
  std::vector<int> rest(20);
  EXPECT_EQ(r.pop_burst(rest), 8u);
  EXPECT_EQ(rest[0], 3);
  EXPECT_EQ(rest[7], 11);
  EXPECT_EQ(r.dropped(), 4u);
}

TEST(SpscRing, TwoThreadsSeeEveryItemOnceInOrder) {
  SpscRing<uint64_t> r(64);
  constexpr uint64_t kItems = 2'000'000;
  std::thread producer([&] {
    uint64_t next = 0;
    uint64_t burst[16];
    while (next < kItems) {
      const size_t n = std::min<uint64_t>(16, kItems - next);
      for (size_t i = 0; i < n; ++i) burst[i] = next + i;
      // Push only what fits, so nothing is dropped in this test.
      const size_t room = r.capacity() - r.size();
      const size_t k = std::min(room, n);
      next += r.push_burst({burst, k});
      if (k == 0) std::this_thread::yield();
    }
  });
  uint64_t expect = 0;
  uint64_t buf[32];
  while (expect < kItems) {
    const size_t n = r.pop_burst(buf);
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(buf[i], expect++);
    if (n == 0) std::this_thread::yield();
  }
  producer.join();
  EXPECT_EQ(r.dropped(), 0u);
}

}  // namespace
}  // namespace vigil::batch
