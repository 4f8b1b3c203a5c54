// End to end without a network: Ed25519-signed traffic (the loadgen's
// generator) written to a capture, replayed through the pcap port, ingest
// and the batcher, then verified; verification failures go back to ingest.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#include "drivers/net/pcap_port.hpp"
#include "host/batch/batcher.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/ingest/ingest.hpp"
#include "host/ingest/traffic.hpp"

namespace vigil::ingest {
namespace {

TEST(Pipeline, SignedTrafficThroughCaptureIngestBatchAndVerify) {
  std::vector<crypto::Keypair> keys;
  for (uint32_t i = 0; i < 3; ++i) keys.push_back(sender_keypair(9, i));
  TrafficGen gen({.mix = {.valid = 4, .invalid_signature = 2, .junk = 2, .duplicate = 2},
                  .payload_len = 48,
                  .seed = 9},
                 keys, Signing::ed25519);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("vigil_pipeline_" + std::to_string(getpid()) + ".pcap"))
                               .string();
  std::array<uint64_t, 4> sent{};
  {
    std::string err;
    auto w = net::PcapPort::open({.write_path = path}, err);
    ASSERT_TRUE(w) << err;
    std::vector<uint8_t> buf(TrafficGen::kMaxFrame);
    for (uint32_t i = 0; i < 1500; ++i) {
      TrafficKind kind;
      const size_t n = gen.next(buf, kind);
      ++sent[size_t(kind)];
      net::OutPacket p{{buf.data(), n}, 0x0a000001u + i % 5, 4000, 0x0a0000ff, 9000, 0};
      ASSERT_EQ(w->tx_burst({&p, 1}), 1u);
    }
  }
  std::string err;
  auto port = net::PcapPort::open({.read_path = path}, err);
  ASSERT_TRUE(port) << err;
  IngestConfig ic;
  ic.dedup_depth = 4096;
  // Budgets above this test's traffic, penalties included: every
  // well-formed frame must reach verification.
  ic.by_source = {
      .entries = 64, .rate_per_sec = 1'000'000, .burst = 1'000'000, .initial = 1'000'000};
  ic.by_key = {.entries = 64, .rate_per_sec = 1'000'000, .burst = 1'000'000, .initial = 1'000'000};
  ic.unproven = {.rate_per_sec = 1'000'000, .burst = 1'000'000, .initial = 1'000'000};
  Ingest ing(ic);
  batch::Batcher batcher({.max_items = 128,
                          .max_msg_bytes = uint32_t(128 * signed_message_size(48)),
                          .deadline_us = 100});
  uint64_t valid = 0, invalid = 0;
  auto verify_ready = [&] {
    batch::Batch* b;
    while (batcher.ready().pop(b)) {
      std::vector<crypto::VerifyItem> items;
      for (uint32_t i = 0; i < b->count(); ++i)
        items.push_back({b->public_key(i), b->signature(i), b->message(i)});
      std::vector<uint32_t> verdict(VIGIL_VERDICT_WORDS(b->count()));
      crypto::verify_batch(items, crypto::Rules::zip215, verdict);
      for (uint32_t i = 0; i < b->count(); ++i) {
        if (verdict[i / 32] >> (i % 32) & 1) {
          // A copy admitted while its original was in flight is found here.
          if (ing.record_verified(b->public_key(i), b->signature(i), 0)) ++valid;
        } else {
          ++invalid;
          ing.report_invalid_signature(b->source(i), 0);
        }
      }
      batcher.recycle(b);
    }
  };
  std::vector<net::Packet> burst(net::kBurst);
  uint64_t t = 0;
  while (size_t n = port->rx_burst(burst)) {
    for (size_t i = 0; i < n; ++i) {
      FrameView v;
      if (ing.admit(burst[i].bytes(), burst[i].src_addr, t, v) == VIGIL_OK) {
        ASSERT_TRUE(batcher.add(v, burst[i].src_addr, t / 1000));
      }
    }
    t += 10'000;
    batcher.poll(t / 1000);
    verify_ready();
  }
  batcher.flush();
  verify_ready();
  std::filesystem::remove(path);

  const IngestCounters& c = ing.counters();
  EXPECT_EQ(c.received, 1500u);
  EXPECT_EQ(c.accepted, sent[0] + sent[1] + c.duplicates_after_verify);
  EXPECT_EQ(c.drops(Drop::duplicate) + c.duplicates_after_verify, sent[3]);
  EXPECT_EQ(c.dropped_total() - c.drops(Drop::duplicate), sent[2]);  // junk
  EXPECT_EQ(valid, sent[0]);
  EXPECT_EQ(invalid, sent[1]);
  EXPECT_EQ(c.invalid_signatures_reported, sent[1]);
  EXPECT_GT(sent[1], 0u);
  EXPECT_EQ(c.drops(Drop::rate_limited_source) + c.drops(Drop::rate_limited_key), 0u);
}

}  // namespace
}  // namespace vigil::ingest
