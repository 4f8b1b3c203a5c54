// The ingest stage end to end with the batcher: drop accounting, dedup
// across a batch boundary, feedback of invalid signatures, and the flood.
#include "host/ingest/ingest.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "host/batch/batcher.hpp"
#include "host/crypto/ed25519.hpp"
#include "host/ingest/traffic.hpp"

namespace vigil::ingest {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

constexpr uint32_t kHonest = 0x0a000001;
constexpr uint32_t kAttacker = 0x0a000042;

std::vector<uint8_t> frame_of(TrafficGen& gen, TrafficKind kind) {
  std::vector<uint8_t> buf(TrafficGen::kMaxFrame);
  buf.resize(gen.make(kind, buf));
  return buf;
}

uint64_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  f >> pages >> resident;
  return resident * 4096;
}

IngestConfig open_config() {
  IngestConfig c;
  c.dedup_depth = 1024;
  c.rate_limits = false;
  c.seed = 77;
  return c;
}

// A fixed seed and dedup depth, and the same limits for sources and keys.
IngestConfig limited_config(uint64_t seed, size_t depth, const RateLimitConfig& limits) {
  IngestConfig c;
  c.seed = seed;
  c.dedup_depth = depth;
  c.by_source = limits;
  c.by_key = limits;
  return c;
}

// `frame` as a proven client at `src` sends it: behind the token `ing`
// grants that address.
std::vector<uint8_t> tokened(const Ingest& ing, uint32_t src, uint64_t now_ns,
                             std::span<const uint8_t> frame) {
  vigil_addr_token t = ing.make_token(src, now_ns);
  t.kind = VIGIL_ADDR_TOKEN_FRAME;
  std::vector<uint8_t> out(sizeof t);
  std::memcpy(out.data(), &t, sizeof t);
  out.insert(out.end(), frame.begin(), frame.end());
  return out;
}

TEST(Ingest, EveryDatagramIsAcceptedOrCountedOnce) {
  Ingest ing(open_config());
  TrafficConfig tc;
  tc.mix = {.valid = 3, .invalid_signature = 1, .junk = 3, .duplicate = 2};
  TrafficGen gen(tc, {}, Signing::random);
  std::vector<uint8_t> buf(TrafficGen::kMaxFrame);
  uint64_t junk = 0, dups = 0;
  for (int i = 0; i < 20000; ++i) {
    TrafficKind kind;
    const size_t n = gen.next(buf, kind);
    FrameView v;
    const vigil_error e = ing.admit({buf.data(), n}, kHonest, 0, v);
    if (kind == TrafficKind::junk) {
      ++junk;
      EXPECT_NE(e, VIGIL_OK);
    } else if (kind == TrafficKind::duplicate) {
      ++dups;
      EXPECT_EQ(e, VIGIL_ERR_DUPLICATE);
    } else {
      ASSERT_EQ(e, VIGIL_OK);
      EXPECT_TRUE(ing.record_verified(v.public_key, v.signature, 0));  // as if it verified
    }
  }
  const IngestCounters& c = ing.counters();
  EXPECT_EQ(c.received, 20000u);
  EXPECT_EQ(c.received, c.accepted + c.dropped_total());
  EXPECT_EQ(c.drops(Drop::duplicate), dups);
  uint64_t malformed = 0;
  for (Drop d : {Drop::short_frame, Drop::bad_length, Drop::bad_crc, Drop::unknown_version,
                 Drop::unknown_scheme, Drop::oversized}) {
    EXPECT_GT(c.drops(d), 0u) << drop_name(d);
    malformed += c.drops(d);
  }
  EXPECT_EQ(malformed, junk);
}

// admit_burst is admit() one datagram after another, only faster: the same
// verdicts, tickets and counters for a mix of proven, unproven, junk,
// duplicate and over-budget datagrams.
TEST(Ingest, AdmitBurstGivesWhatAdmitGivesOneByOne) {
  IngestConfig c =
      limited_config(31, 256, {.entries = 16, .rate_per_sec = 1000, .burst = 20, .initial = 5});
  c.unproven = {.rate_per_sec = 1000, .burst = 30, .initial = 30};
  Ingest one(c), burst(c);
  TrafficConfig tc;
  tc.mix = {.valid = 4, .invalid_signature = 1, .junk = 2, .duplicate = 2};
  TrafficGen gen(tc, {}, Signing::random);
  std::vector<std::vector<uint8_t>> data;
  std::vector<Datagram> in;
  std::vector<uint8_t> buf(TrafficGen::kMaxFrame);
  for (int i = 0; i < 3000; ++i) {
    TrafficKind kind;
    const size_t n = gen.next(buf, kind);
    const uint32_t src = kHonest + uint32_t(i % 7);
    const std::span<const uint8_t> f{buf.data(), n};
    data.push_back(i % 3 ? tokened(one, src, 0, f) : std::vector<uint8_t>(f.begin(), f.end()));
  }
  for (size_t i = 0; i < data.size(); ++i) in.push_back({data[i], kHonest + uint32_t(i % 7)});
  std::vector<FrameView> views(32);
  std::vector<vigil_error> verdicts(32);
  for (size_t off = 0; off < in.size(); off += 32) {
    const uint64_t now = off * 100'000;
    const size_t n = std::min<size_t>(32, in.size() - off);
    burst.admit_burst(std::span(in).subspan(off, n), now, views, verdicts);
    std::vector<FrameView> v(n);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(verdicts[i], one.admit(in[off + i].bytes, in[off + i].src_addr, now, v[i]))
          << off + i;
      if (v[i].signature) {
        EXPECT_EQ(views[i].ticket.dedup_tag, v[i].ticket.dedup_tag);
      }
    }
    // Then verification: the burst's valid frames recorded (one copy of a
    // duplicate pair within the burst is refused at this point).
    for (size_t i = 0; i < n; ++i) {
      if (verdicts[i] != VIGIL_OK) continue;
      EXPECT_EQ(views[i].source, v[i].source);
      EXPECT_EQ(views[i].ticket.key_id, v[i].ticket.key_id);
      EXPECT_EQ(one.record_verified(v[i].ticket, now), burst.record_verified(views[i].ticket, now));
    }
  }
  EXPECT_EQ(one.counters().accepted, burst.counters().accepted);
  EXPECT_EQ(one.counters().dropped, burst.counters().dropped);
  EXPECT_GT(one.counters().accepted, 100u);
  EXPECT_GT(one.counters().drops(Drop::duplicate), 0u);
  EXPECT_GT(one.counters().drops(Drop::rate_limited_source) +
                one.counters().drops(Drop::rate_limited_unproven),
            0u);
}

TEST(Ingest, DropReasonsReportTheirWireErrors) {
  EXPECT_EQ(drop_error(Drop::short_frame), VIGIL_ERR_SHORT);
  EXPECT_EQ(drop_error(Drop::oversized), VIGIL_ERR_OVERSIZED);
  EXPECT_EQ(drop_error(Drop::rate_limited_key), VIGIL_ERR_RATE_LIMITED);
  EXPECT_EQ(drop_name(Drop::bad_crc), "bad_crc");
}

TEST(Ingest, DedupAcrossABatchBoundary) {
  Ingest ing(open_config());
  batch::Batcher b({.max_items = 4, .max_msg_bytes = 4096, .deadline_us = 1000, .pool = 2});
  TrafficGen gen({}, {}, Signing::random);
  std::vector<std::vector<uint8_t>> first;
  for (int i = 0; i < 4; ++i) first.push_back(frame_of(gen, TrafficKind::valid));
  FrameView v;
  for (auto& f : first) {
    ASSERT_EQ(ing.admit(f, kHonest, 0, v), VIGIL_OK);
    ASSERT_TRUE(b.add(v, kHonest, 0));
  }
  batch::Batch* one = nullptr;
  ASSERT_TRUE(b.ready().pop(one));  // flushed on size
  EXPECT_EQ(one->count(), 4u);
  for (uint32_t i = 0; i < 4; ++i)
    EXPECT_TRUE(ing.record_verified(one->public_key(i), one->signature(i), 5));
  b.recycle(one);
  // The same frames again, after their batch left: still duplicates.
  for (auto& f : first) EXPECT_EQ(ing.admit(f, kHonest, 10, v), VIGIL_ERR_DUPLICATE);
  std::vector<uint8_t> fresh = frame_of(gen, TrafficKind::valid);
  ASSERT_EQ(ing.admit(fresh, kHonest, 10, v), VIGIL_OK);
  ASSERT_TRUE(b.add(v, kHonest, 10));
  EXPECT_FALSE(b.poll(500));
  EXPECT_TRUE(b.poll(1010));  // deadline from the first item
  batch::Batch* two = nullptr;
  ASSERT_TRUE(b.ready().pop(two));
  ASSERT_EQ(two->count(), 1u);
  EXPECT_EQ(0, std::memcmp(two->signature(0), fresh.data() + 40, 64));
  EXPECT_EQ(ing.counters().drops(Drop::duplicate), 4u);
  EXPECT_EQ(b.counters().flushed_full, 1u);
  EXPECT_EQ(b.counters().flushed_deadline, 1u);
}

TEST(Ingest, InvalidSignaturesCostASourceItsBudgetFaster) {
  IngestConfig c = open_config();
  c.rate_limits = true;
  c.by_source = {
      .entries = 64, .rate_per_sec = 100, .burst = 100, .invalid_penalty = 10, .initial = 100};
  c.by_key = {.entries = 64, .rate_per_sec = 1000000, .burst = 1000000, .initial = 1000000};
  Ingest ing(c);
  TrafficGen gen({}, {}, Signing::random);
  FrameView v;
  auto admitted = [&](uint32_t src) {
    uint64_t n = 0;
    for (int i = 0; i < 1000; ++i) {
      std::vector<uint8_t> f = tokened(ing, src, 0, frame_of(gen, TrafficKind::valid));
      if (ing.admit(f, src, 0, v) == VIGIL_OK) {
        ++n;
        EXPECT_EQ(v.source, src);
        // The bad source's every frame fails verification.
        if (src == kAttacker) ing.report_invalid_signature(v.source, 0);
      }
    }
    return n;
  };
  EXPECT_EQ(admitted(kHonest), 100u);
  EXPECT_EQ(admitted(kAttacker), 10u);  // 1 + 10 penalty per admitted frame
  EXPECT_EQ(ing.counters().invalid_signatures_reported, 10u);
  EXPECT_EQ(ing.counters().drops(Drop::rate_limited_source), 1890u);
}

// Finding 6, as mounted: forged frames in an honest key's name, from the
// attacker's own proven address, all failing verification. The key is
// charged only for verified frames, so its owner keeps every token.
TEST(Ingest, ForgedFramesInAnHonestKeysNameCostThatKeyNothing) {
  IngestConfig c = open_config();
  c.rate_limits = true;
  c.by_key = {.entries = 64, .rate_per_sec = 1, .burst = 5, .invalid_penalty = 10, .initial = 5};
  Ingest ing(c);
  TrafficGen gen({}, {}, Signing::random);  // every frame names the same key
  FrameView v;
  for (int i = 0; i < 1000; ++i) {
    const auto f = tokened(ing, kAttacker, 0, frame_of(gen, TrafficKind::invalid_signature));
    if (ing.admit(f, kAttacker, 0, v) == VIGIL_OK) ing.report_invalid_signature(v.source, 0);
  }
  // The attacker's own source paid (1 + 10 per forgery) and fell silent.
  EXPECT_GT(ing.counters().drops(Drop::rate_limited_source), 900u);
  for (int i = 0; i < 5; ++i) {
    const auto f = tokened(ing, kHonest, 0, frame_of(gen, TrafficKind::valid));
    ASSERT_EQ(ing.admit(f, kHonest, 0, v), VIGIL_OK) << i;
    EXPECT_TRUE(ing.record_verified(v.public_key, v.signature, 0));
  }
  const auto sixth = tokened(ing, kHonest, 0, frame_of(gen, TrafficKind::valid));
  EXPECT_EQ(ing.admit(sixth, kHonest, 0, v), VIGIL_ERR_RATE_LIMITED);
}

TEST(Ingest, KeyBudgetIsNotChargedForDuplicates) {
  IngestConfig c = open_config();
  c.rate_limits = true;
  c.by_key = {.entries = 64, .rate_per_sec = 1, .burst = 2, .initial = 2};
  Ingest ing(c);
  TrafficGen gen({}, {}, Signing::random);  // one sender key
  std::vector<uint8_t> a = frame_of(gen, TrafficKind::valid);
  FrameView v;
  ASSERT_EQ(ing.admit(a, kHonest, 0, v), VIGIL_OK);
  ASSERT_TRUE(ing.record_verified(v.public_key, v.signature, 0));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(ing.admit(a, kAttacker, 0, v), VIGIL_ERR_DUPLICATE);
  const std::vector<uint8_t> b = frame_of(gen, TrafficKind::valid);  // v points into it
  ASSERT_EQ(ing.admit(b, kHonest, 0, v), VIGIL_OK);
  ASSERT_TRUE(ing.record_verified(v.public_key, v.signature, 0));
  EXPECT_EQ(ing.admit(frame_of(gen, TrafficKind::valid), kHonest, 0, v), VIGIL_ERR_RATE_LIMITED);
  EXPECT_EQ(ing.counters().drops(Drop::rate_limited_key), 1u);
}

// Finding 1, as mounted: a copy of an honest transaction's signature with
// another payload (and one with another key) arrives first and fails
// verification. Nothing is recorded for it: the honest frame that follows
// is admitted, verified and recorded; a replay of it after that is a
// duplicate.
TEST(Ingest, AForgedCopyArrivingFirstDoesNotCensorTheHonestFrame) {
  Ingest ing(open_config());
  const crypto::Keypair honest_key = sender_keypair(1, 0);
  std::vector<uint8_t> payload(40, 9), honest(frame_size(40));
  ASSERT_EQ(sign_frame(honest_key, payload, honest), honest.size());
  std::vector<uint8_t> forged_payload = honest;
  forged_payload[sizeof(vigil_tx_frame_ed25519)] ^= 1;
  reseal_crc(forged_payload);
  std::vector<uint8_t> forged_flags = honest;
  forged_flags[4] ^= 1;
  reseal_crc(forged_flags);
  FrameView v;
  for (const auto* f : {&forged_payload, &forged_flags}) {
    ASSERT_EQ(ing.admit(*f, kAttacker, 0, v), VIGIL_OK);
    ing.report_invalid_signature(v.source, 0);  // verification refused it
  }
  ASSERT_EQ(ing.admit(honest, kHonest, 0, v), VIGIL_OK);
  EXPECT_TRUE(ing.record_verified(v.public_key, v.signature, 0));
  EXPECT_EQ(ing.admit(honest, kAttacker, 0, v), VIGIL_ERR_DUPLICATE);
}

// Finding 2, as mounted: a flood of invalid frames larger than the dedup
// window. They are never recorded, so a replay of the honest transaction
// recorded before the flood is still a duplicate after it.
TEST(Ingest, InvalidFramesDoNotFlushTheDedupWindow) {
  IngestConfig c = open_config();
  c.dedup_depth = 256;
  Ingest ing(c);
  TrafficGen gen({}, {}, Signing::random);
  const std::vector<uint8_t> honest = frame_of(gen, TrafficKind::valid);
  FrameView v;
  ASSERT_EQ(ing.admit(honest, kHonest, 0, v), VIGIL_OK);
  ASSERT_TRUE(ing.record_verified(v.public_key, v.signature, 0));
  for (int i = 0; i < 10 * 256; ++i) {
    if (ing.admit(frame_of(gen, TrafficKind::invalid_signature), kAttacker + uint32_t(i % 100), 0,
                  v) == VIGIL_OK)
      ing.report_invalid_signature(v.source, 0);
  }
  EXPECT_EQ(ing.dedup().size(), 1u);
  EXPECT_EQ(ing.admit(honest, kAttacker, 0, v), VIGIL_ERR_DUPLICATE);
}

// Finding 3, as mounted: every batch is in flight, so the batcher drops the
// honest frame (backpressure). It was never recorded, so the client's retry
// is admitted.
TEST(Ingest, ABackpressureDropDoesNotBurnTheRetry) {
  Ingest ing(open_config());
  batch::Batcher b({.max_items = 1, .max_msg_bytes = 4096, .deadline_us = 10, .pool = 2});
  TrafficGen gen({}, {}, Signing::random);
  FrameView v;
  for (int i = 0; i < 2; ++i) {  // both pooled batches out with the consumer
    const std::vector<uint8_t> f = frame_of(gen, TrafficKind::valid);  // v points into it
    ASSERT_EQ(ing.admit(f, kHonest, 0, v), VIGIL_OK);
    ASSERT_TRUE(b.add(v, v.source, 0));
  }
  const std::vector<uint8_t> honest = frame_of(gen, TrafficKind::valid);
  ASSERT_EQ(ing.admit(honest, kHonest, 0, v), VIGIL_OK);
  EXPECT_FALSE(b.add(v, v.source, 0));
  EXPECT_EQ(b.counters().dropped_no_batch, 1u);
  EXPECT_EQ(ing.admit(honest, kHonest, 1000, v), VIGIL_OK);  // the retry
}

// Finding 5, as mounted: junk and bad signatures spoofed from an honest
// proven client's address, without its token (the spoofer never saw it)
// or with the spoofer's own token. Neither touches the honest budget.
TEST(Ingest, SpoofedSourcesCannotSpendOrChargeAProvenOne) {
  IngestConfig c = open_config();
  c.rate_limits = true;
  c.by_source = {.entries = 64, .rate_per_sec = 100, .burst = 20, .initial = 20};
  c.unproven = {.rate_per_sec = 100, .burst = 10, .initial = 10};
  Ingest ing(c);
  TrafficGen gen({}, {}, Signing::random);
  FrameView v;
  for (int i = 0; i < 10000; ++i) {
    std::vector<uint8_t> f = frame_of(gen, TrafficKind::invalid_signature);
    if (i % 3 == 1) f = tokened(ing, kAttacker, 0, f);  // its own token, spoofed source
    if (i % 3 == 2) f.resize(8);                        // 8-byte junk
    if (ing.admit(f, kHonest, 0, v) == VIGIL_OK) {
      EXPECT_EQ(v.source, kUnprovenSource);
      ing.report_invalid_signature(v.source, 0);
    }
  }
  EXPECT_GT(ing.counters().drops(Drop::bad_token), 3000u);
  EXPECT_GT(ing.counters().drops(Drop::rate_limited_unproven), 3000u);
  for (int i = 0; i < 20; ++i) {
    const auto f = tokened(ing, kHonest, 0, frame_of(gen, TrafficKind::valid));
    ASSERT_EQ(ing.admit(f, kHonest, 0, v), VIGIL_OK) << i;
    EXPECT_EQ(v.source, kHonest);
  }
}

TEST(Token, GrantedTokensProveOnlyTheirAddressForTwoWindows) {
  IngestConfig c = open_config();
  c.token_window_ns = 1'000'000'000;
  Ingest ing(c);
  TrafficGen gen({}, {}, Signing::random);
  vigil_addr_token req{};
  req.magic = VIGIL_ADDR_TOKEN_MAGIC;
  req.kind = VIGIL_ADDR_TOKEN_REQUEST;
  req.version = VIGIL_WIRE_VERSION;
  const std::span<const uint8_t> req_bytes(reinterpret_cast<const uint8_t*>(&req), sizeof req);
  ASSERT_TRUE(is_token_request(req_bytes));
  vigil_addr_token grant{};
  std::span<uint8_t> reply(reinterpret_cast<uint8_t*>(&grant), sizeof grant);
  ASSERT_EQ(ing.grant_token(req_bytes, kHonest, 5'500'000'000, reply), sizeof grant);
  EXPECT_EQ(grant.kind, VIGIL_ADDR_TOKEN_GRANT);
  EXPECT_EQ(ing.grant_token(req_bytes, kUnprovenSource, 0, reply), 0u);  // 0.0.0.0: never
  EXPECT_EQ(ing.grant_token(req_bytes.first(8), kHonest, 0, reply), 0u);
  grant.kind = VIGIL_ADDR_TOKEN_FRAME;
  auto with = [&](const vigil_addr_token& t) {
    std::vector<uint8_t> out(sizeof t);
    std::memcpy(out.data(), &t, sizeof t);
    const auto f = frame_of(gen, TrafficKind::valid);
    out.insert(out.end(), f.begin(), f.end());
    return out;
  };
  FrameView v;
  EXPECT_EQ(ing.admit(with(grant), kHonest, 5'900'000'000, v), VIGIL_OK);
  EXPECT_EQ(ing.admit(with(grant), kHonest, 6'900'000'000, v), VIGIL_OK);  // the next window
  EXPECT_EQ(ing.admit(with(grant), kHonest, 7'000'000'000, v), VIGIL_ERR_BAD_TOKEN);  // stale
  EXPECT_EQ(ing.admit(with(grant), kAttacker, 5'900'000'000, v), VIGIL_ERR_BAD_TOKEN);
  vigil_addr_token forged = grant;
  forged.mac[3] ^= 1;
  EXPECT_EQ(ing.admit(with(forged), kHonest, 5'900'000'000, v), VIGIL_ERR_BAD_TOKEN);
  forged = grant;
  forged.window += 1;  // a future window
  EXPECT_EQ(ing.admit(with(forged), kHonest, 6'100'000'000, v), VIGIL_ERR_BAD_TOKEN);
  // Another process (another secret) does not accept it.
  IngestConfig other = c;
  other.seed = 78;
  Ingest ing2(other);
  EXPECT_EQ(ing2.admit(with(grant), kHonest, 5'900'000'000, v), VIGIL_ERR_BAD_TOKEN);
  EXPECT_EQ(ing.counters().tokens_granted, 1u);
}

// One source floods ten times its budget with junk and replays while a
// well-behaved source sends valid frames within its budget: every valid
// frame of the well-behaved source reaches a batch, every other datagram is
// a counted drop, and memory does not grow.
TEST(Flood, HonestSourceIsNeverStarvedAndMemoryStaysFlat) {
  const IngestConfig c = limited_config(
      5, 4096, {.entries = 1024, .rate_per_sec = 1000, .burst = 100, .initial = 100});
  Ingest ing(c);
  batch::Batcher b({.max_items = 64, .max_msg_bytes = 64 * 128, .deadline_us = 2000, .pool = 4});

  TrafficGen honest({.payload_len = 32, .seed = 1}, {sender_keypair(1, 0)}, Signing::random);
  TrafficGen junk({.payload_len = 32, .seed = 2}, {}, Signing::random);

  constexpr uint64_t kSeconds = 20;
  constexpr uint64_t kAttackPerMs = 10;          // 10x the source budget of 1/ms
  const uint64_t honest_total = kSeconds * 500;  // one frame every 2 ms
  std::vector<uint8_t> delivered(honest_total, 0);
  // Recent honest frames, replayed by the attacker.
  std::vector<std::vector<uint8_t>> replay(256, std::vector<uint8_t>(TrafficGen::kMaxFrame));
  std::vector<size_t> replay_len(256, 0);
  uint64_t honest_sent = 0, attack_sent = 0;
  std::vector<uint8_t> buf(TrafficGen::kMaxFrame);
  uint64_t rss_after_warmup = 0;
  size_t mem_ingest = ing.memory_bytes(), mem_batcher = b.memory_bytes();

  auto drain = [&] {
    batch::Batch* out;
    while (b.ready().pop(out)) {
      for (uint32_t i = 0; i < out->count(); ++i) {
        // Every frame here is a valid one (or a copy of one): as if verified.
        if (!ing.record_verified(out->public_key(i), out->signature(i), 0)) continue;
        ASSERT_EQ(out->source(i), kHonest);
        uint64_t seq;
        std::memcpy(&seq, out->message(i).data() + signed_message_size(4), 8);
        ASSERT_LT(seq, honest_total);
        delivered[seq]++;
      }
      b.recycle(out);
    }
  };
  auto feed = [&](std::span<const uint8_t> bare, uint32_t src, uint64_t now_ns) {
    FrameView v;
    const std::vector<uint8_t> f = tokened(ing, src, now_ns, bare);
    if (ing.admit(f, src, now_ns, v) == VIGIL_OK) {
      EXPECT_TRUE(b.add(v, src, now_ns / 1000));
    }
  };

  for (uint64_t ms = 0; ms < kSeconds * 1000; ++ms) {
    const uint64_t now = 1'000'000'000 + ms * 1'000'000;
    for (uint64_t k = 0; k < kAttackPerMs; ++k) {
      const size_t slot = (attack_sent / 2) % 256;
      if (k % 2 == 0 && replay_len[slot]) {
        feed({replay[slot].data(), replay_len[slot]}, kAttacker, now);
      } else {
        const size_t n = junk.make(TrafficKind::junk, buf);
        feed({buf.data(), n}, kAttacker, now);
      }
      ++attack_sent;
    }
    if (ms % 2 == 0) {
      const size_t slot = honest_sent % 256;
      replay_len[slot] = honest.make(TrafficKind::valid, replay[slot]);
      feed({replay[slot].data(), replay_len[slot]}, kHonest, now);
      ++honest_sent;
    }
    b.poll(now / 1000);
    drain();
    if (ms == 1000) rss_after_warmup = rss_bytes();
  }
  b.flush();
  drain();

  ASSERT_EQ(honest_sent, honest_total);
  for (uint64_t s = 0; s < honest_total; ++s) ASSERT_EQ(delivered[s], 1) << "honest frame " << s;
  const IngestCounters& cnt = ing.counters();
  EXPECT_EQ(cnt.received, honest_sent + attack_sent);
  // Nothing of the attacker's got past verification: what it got past
  // admission (replays of frames still in flight) was found a duplicate.
  EXPECT_EQ(cnt.verified_recorded, honest_sent);
  EXPECT_EQ(cnt.accepted, honest_sent + cnt.duplicates_after_verify);
  EXPECT_EQ(cnt.dropped_total() + cnt.duplicates_after_verify, attack_sent);
  EXPECT_EQ(b.counters().items, cnt.accepted);
  EXPECT_EQ(b.counters().dropped_no_batch + b.counters().dropped_too_large, 0u);
  // The attacker got its budget (1/ms) past the source limit, no more.
  EXPECT_GE(cnt.drops(Drop::rate_limited_source), attack_sent * 85 / 100);
  EXPECT_GT(cnt.drops(Drop::duplicate), 0u);
  EXPECT_GT(cnt.drops(Drop::bad_crc), 0u);
  // Bounded structures: same bytes as at construction, tables within bounds.
  EXPECT_EQ(ing.memory_bytes(), mem_ingest);
  EXPECT_EQ(b.memory_bytes(), mem_batcher);
  EXPECT_LE(ing.dedup().size(), 4096u);
  EXPECT_LE(ing.source_limits().occupied(), 2u);
  // (AddressSanitizer's quarantine holds freed memory: RSS says nothing there.)
  const uint64_t rss_end = rss_bytes();
  if (!kAddressSanitizer) {
    EXPECT_LE(rss_end, rss_after_warmup + (512 << 10))
        << "RSS grew from " << rss_after_warmup << " to " << rss_end;
  }
}

}  // namespace
}  // namespace vigil::ingest
