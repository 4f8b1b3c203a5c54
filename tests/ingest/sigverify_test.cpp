// The verify tile (host/sigverify) on the cpu engine: valid frames come out
// exactly as signed, failures reach report_invalid_signature and charge the
// proven source that sent them, and the flood: every attack of the review
// at ten times the honest rate leaves at least 99% of honest frames
// admitted and verified, with bounded work per admit.
#include "host/sigverify/sigverify.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "drivers/accel/cpu_accelerator.hpp"
#include "host/ingest/traffic.hpp"

namespace vigil::sigverify {
namespace {

using ingest::FrameView;

constexpr uint32_t kHonestBase = 0x0a000100;
constexpr uint32_t kAttackerBase = 0x0a00f000;

std::unique_ptr<accel::Accelerator> cpu_engine() {
  accel::Options o;
  o.workers = 1;
  o.express_slots = 0;
  return accel::make_cpu_accelerator(o);
}

SigverifyConfig test_config() {
  SigverifyConfig c;
  c.ingest.seed = 99;
  c.ingest.dedup_depth = 4096;
  c.ingest.by_source = {.entries = 1024, .rate_per_sec = 1000, .burst = 100, .initial = 100};
  c.ingest.by_key = {.entries = 1024, .rate_per_sec = 1000, .burst = 100, .initial = 100};
  c.ingest.unproven = {.rate_per_sec = 1000, .burst = 100, .initial = 100};
  c.batcher = {.max_items = 64,
               .max_msg_bytes = uint32_t(64 * ingest::signed_message_size(64)),
               .deadline_us = 1000,
               .pool = 8};
  c.out_capacity = 8192;
  return c;
}

std::vector<uint8_t> with_token(const ingest::Ingest& ing, uint32_t src, uint64_t now,
                                std::span<const uint8_t> frame) {
  vigil_addr_token t = ing.make_token(src, now);
  t.kind = VIGIL_ADDR_TOKEN_FRAME;
  std::vector<uint8_t> out(sizeof t);
  std::memcpy(out.data(), &t, sizeof t);
  out.insert(out.end(), frame.begin(), frame.end());
  return out;
}

std::vector<uint8_t> signed_frame(const crypto::Keypair& key, uint64_t seq, size_t len = 64) {
  std::vector<uint8_t> payload(len, uint8_t(seq * 13));
  std::memcpy(payload.data(), &seq, 8);
  std::vector<uint8_t> f(ingest::frame_size(len));
  f.resize(ingest::sign_frame(key, payload, f));
  return f;
}

// Finding 13: verification failures reach report_invalid_signature in the
// pipeline vigild runs, and charge the source that sent them.
TEST(Sigverify, FailuresAreReportedAndValidFramesComeOutAsSigned) {
  auto engine = cpu_engine();
  Sigverify sv(test_config(), *engine);
  const crypto::Keypair key = ingest::sender_keypair(4, 0);
  std::vector<std::vector<uint8_t>> honest;
  uint64_t now = 1'000'000'000;
  for (uint64_t i = 0; i < 40; ++i) {
    honest.push_back(signed_frame(key, i));
    sv.push(with_token(sv.ingest(), kHonestBase, now, honest.back()), kHonestBase, now);
    std::vector<uint8_t> bad = signed_frame(key, 1000 + i);
    bad[40 + i % 32] ^= 1;  // signature R
    ingest::reseal_crc(bad);
    sv.push(with_token(sv.ingest(), kAttackerBase, now, bad), kAttackerBase, now);
  }
  sv.drain(now);
  EXPECT_EQ(sv.counters().verified, 40u);
  EXPECT_EQ(sv.counters().invalid, 40u);
  EXPECT_EQ(sv.ingest().counters().invalid_signatures_reported, 40u);
  std::set<std::vector<uint8_t>> want(honest.begin(), honest.end()), got;
  VerifiedFrame f;
  while (sv.verified().pop(f)) {
    EXPECT_EQ(f.source, kHonestBase);
    got.emplace(f.frame().begin(), f.frame().end());
  }
  EXPECT_EQ(got, want);
  // The attacker's source paid 1 + 10 per bad signature: 40 * 11 > 100.
  std::vector<uint8_t> more = signed_frame(ingest::sender_keypair(4, 1), 7);
  sv.push(with_token(sv.ingest(), kAttackerBase, now, more), kAttackerBase, now);
  EXPECT_EQ(sv.ingest().counters().drops(ingest::Drop::rate_limited_source), 1u);
}

TEST(Sigverify, OutputRingIsBoundedAndCountsWhatDoesNotFit) {
  auto engine = cpu_engine();
  SigverifyConfig c = test_config();
  c.out_capacity = 4;
  Sigverify sv(c, *engine);
  const crypto::Keypair key = ingest::sender_keypair(5, 0);
  for (uint64_t i = 0; i < 10; ++i)
    sv.push(with_token(sv.ingest(), kHonestBase, 0, signed_frame(key, i)), kHonestBase, 0);
  sv.drain(0);
  EXPECT_EQ(sv.counters().verified, 10u);
  EXPECT_EQ(sv.counters().out_dropped, 6u);
  EXPECT_EQ(sv.verified().size(), 4u);
}

// Backpressure: while the ring holds shed_above frames nothing new is
// verified (counted as shed, the dedup does not learn them); once the
// consumer takes frames, intake resumes.
TEST(Sigverify, ShedsUnverifiedWhileTheOutputRingIsOverItsMark) {
  auto engine = cpu_engine();
  SigverifyConfig c = test_config();
  c.out_capacity = 16;
  c.shed_above = 4;
  Sigverify sv(c, *engine);
  const crypto::Keypair key = ingest::sender_keypair(6, 0);
  auto send = [&](uint64_t i) {
    sv.push(with_token(sv.ingest(), kHonestBase, 0, signed_frame(key, i)), kHonestBase, 0);
    sv.drain(0);
  };
  for (uint64_t i = 0; i < 10; ++i) send(i);
  EXPECT_EQ(sv.counters().verified, 4u);
  EXPECT_EQ(sv.counters().shed, 6u);
  EXPECT_EQ(sv.counters().out_dropped, 0u);
  VerifiedFrame f;
  while (sv.verified().pop(f)) {
  }
  send(4);  // shed before: not in the dedup, so it verifies now
  EXPECT_EQ(sv.counters().verified, 5u);
  EXPECT_EQ(sv.counters().duplicates_after_verify, 0u);
  EXPECT_EQ(sv.ingest().counters().dropped[size_t(ingest::Drop::duplicate)], 0u);
}

// The consumer's screen drops frames before they are batched, counted;
// they reach neither the engine nor the dedup, so the same frame verifies
// once the screen lets it through.
TEST(Sigverify, ScreenedFramesAreDroppedUnverifiedAndCounted) {
  auto engine = cpu_engine();
  SigverifyConfig c = test_config();
  bool refuse = true;
  c.screen = [&](const FrameView& v) { return !refuse || v.payload[0] % 2 == 0; };
  Sigverify sv(c, *engine);
  const crypto::Keypair key = ingest::sender_keypair(7, 0);
  auto send = [&](uint64_t i) {
    sv.push(with_token(sv.ingest(), kHonestBase, 0, signed_frame(key, i)), kHonestBase, 0);
    sv.drain(0);
  };
  for (uint64_t i = 0; i < 10; ++i) send(i);
  EXPECT_EQ(sv.counters().verified, 5u);
  EXPECT_EQ(sv.counters().screened, 5u);
  EXPECT_EQ(sv.batcher().counters().items, 5u);
  refuse = false;
  send(1);
  EXPECT_EQ(sv.counters().verified, 6u);
  EXPECT_EQ(sv.counters().duplicates_after_verify, 0u);
}

// ---- the flood ---------------------------------------------------------

enum class Attack {
  forged_copies,
  spoofed_sources,
  forged_honest_key,
  colliding_fresh_keys,
  steered_probes
};

std::string attack_name(Attack a) {
  switch (a) {
    case Attack::forged_copies:
      return "forged_copies";
    case Attack::spoofed_sources:
      return "spoofed_sources";
    case Attack::forged_honest_key:
      return "forged_honest_key";
    case Attack::colliding_fresh_keys:
      return "colliding_fresh_keys";
    case Attack::steered_probes:
      return "steered_probes";
  }
  return "?";
}

// Signatures whose tags would all share one dedup slot under the old
// public hash (its default seed, every step inverted): the attack of
// finding 4, replayed against the keyed table.
class OldHashCollider {
 public:
  explicit OldHashCollider(size_t map_slots) : shift_(bits(map_slots)) {}
  void next(uint8_t* sig64, std::mt19937_64& rng) {
    const uint64_t slot = 5;
    const uint64_t tag = ((slot | (++k_ << shift_)) * inv(0x9E3779B97F4A7C15ull));
    // Undo the final mix: h = (x ^ x>>29) * C2; tag = h ^ h>>32.
    uint64_t h = tag ^ (tag >> 32);
    h *= inv(0x94d049bb133111ebull);
    const uint64_t h8 = h ^ (h >> 29) ^ (h >> 58);
    uint64_t w[8], s = 0x7669676c64656475ull | 1;
    for (int i = 0; i < 7; ++i) {
      w[i] = rng();
      s = (s ^ w[i]) * 0xbf58476d1ce4e5b9ull;
      s ^= s >> 31;
    }
    // Undo the last step: h8 = m ^ m>>31 with m = (s ^ w7) * C1.
    const uint64_t m = (h8 ^ (h8 >> 31) ^ (h8 >> 62)) * inv(0xbf58476d1ce4e5b9ull);
    w[7] = m ^ s;
    std::memcpy(sig64, w, 64);
  }

 private:
  static uint64_t inv(uint64_t a) {
    uint64_t x = a;
    for (int i = 0; i < 6; ++i) x *= 2 - a * x;
    return x;
  }
  static uint64_t bits(size_t n) {
    uint64_t b = 0;
    while ((size_t(1) << b) < n) ++b;
    return b;
  }
  uint64_t shift_, k_ = 0;
};

class Flood : public ::testing::TestWithParam<Attack> {};

TEST_P(Flood, TenTimesTheHonestRateLeavesHonestFramesVerified) {
  const Attack attack = GetParam();
  auto engine = cpu_engine();
  Sigverify sv(test_config(), *engine);
  std::mt19937_64 rng(uint64_t(attack) + 1);
  constexpr int kHonestSources = 4, kPerSource = 50, kAttackFactor = 10;
  const std::vector<crypto::Keypair> keys = {ingest::sender_keypair(8, 0),
                                             ingest::sender_keypair(8, 1)};
  OldHashCollider collider(8192);
  uint64_t honest_sent = 0, attack_sent = 0, admit_ns = 0, admits = 0;
  const uint64_t t0 = 1'000'000'000;
  auto timed_push = [&](std::span<const uint8_t> d, uint32_t src, uint64_t now) {
    const auto a = std::chrono::steady_clock::now();
    sv.push(d, src, now);
    admit_ns += uint64_t(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - a)
            .count());
    ++admits;
  };
  // One second: each honest source sends one frame every 20 ms; before
  // each honest frame the attacker sends ten.
  for (int step = 0; step < kPerSource; ++step) {
    const uint64_t now = t0 + uint64_t(step) * 20'000'000;
    for (int s = 0; s < kHonestSources; ++s) {
      const uint32_t src = kHonestBase + uint32_t(s);
      const uint64_t seq = uint64_t(step * kHonestSources + s);
      const std::vector<uint8_t> honest = signed_frame(keys[seq % 2], seq);
      for (int k = 0; k < kAttackFactor; ++k, ++attack_sent) {
        const uint32_t mine = kAttackerBase + uint32_t(rng() % 5);
        std::vector<uint8_t> f;
        switch (attack) {
          case Attack::forged_copies: {
            // The honest signature on another payload or flags, first.
            f = honest;
            f[k % 2 ? 4 : 104 + k] ^= 1;
            ingest::reseal_crc(f);
            timed_push(k % 3 ? with_token(sv.ingest(), mine, now, f) : f, mine, now);
            continue;
          }
          case Attack::spoofed_sources:
            f = honest;
            f[40] ^= 1;  // a bad signature
            ingest::reseal_crc(f);
            if (k % 2) f.resize(8);                                     // or 8-byte junk
            if (k % 3 == 0) f = with_token(sv.ingest(), mine, now, f);  // its own token
            timed_push(f, src, now);                                    // from the honest address
            continue;
          case Attack::forged_honest_key: {
            std::vector<uint8_t> payload(64, uint8_t(k));
            std::array<uint8_t, 64> sig;
            for (auto& b : sig) b = uint8_t(rng());
            f.resize(ingest::frame_size(64));
            ingest::encode_frame(keys[seq % 2].public_key, sig, payload, f);
            timed_push(with_token(sv.ingest(), kAttackerBase + uint32_t(k % 2), now, f),
                       kAttackerBase + uint32_t(k % 2), now);
            continue;
          }
          case Attack::colliding_fresh_keys: {
            crypto::Seed seed{};
            std::memcpy(seed.data(), &attack_sent, 8);
            seed[9] = 0xfe;
            f = signed_frame(crypto::keypair_from_seed(seed), attack_sent);
            timed_push(with_token(sv.ingest(), mine, now, f), mine, now);
            continue;
          }
          case Attack::steered_probes: {
            std::vector<uint8_t> payload(64, uint8_t(k));
            std::array<uint8_t, 64> sig;
            collider.next(sig.data(), rng);
            f.resize(ingest::frame_size(64));
            ingest::encode_frame(keys[0].public_key, sig, payload, f);
            timed_push(k % 2 ? with_token(sv.ingest(), mine, now, f) : f, mine, now);
            continue;
          }
        }
      }
      timed_push(with_token(sv.ingest(), src, now, honest), src, now);
      ++honest_sent;
    }
    sv.poll(now);
    if (step % 5 == 4) sv.drain(now);
  }
  sv.drain(t0 + 2'000'000'000);
  uint64_t honest_verified = 0;
  VerifiedFrame f;
  while (sv.verified().pop(f))
    honest_verified += f.source >= kHonestBase && f.source < kHonestBase + 4;
  const auto& ic = sv.ingest().counters();
  std::printf(
      "flood %-21s honest %llu/%llu verified, attack %llu (%.0fx), admit %.0f ns avg, dedup max "
      "probe %zu, invalid reported %llu\n",
      attack_name(attack).c_str(), (unsigned long long)honest_verified,
      (unsigned long long)honest_sent, (unsigned long long)attack_sent,
      double(attack_sent) / double(honest_sent), double(admit_ns) / double(admits),
      sv.ingest().dedup().max_probe(), (unsigned long long)ic.invalid_signatures_reported);
  EXPECT_EQ(attack_sent, kAttackFactor * honest_sent);
  EXPECT_GE(honest_verified * 100, honest_sent * 99) << attack_name(attack);
  EXPECT_LE(sv.ingest().dedup().max_probe(), ingest::SignatureDedup::kMaxProbe);
  EXPECT_EQ(ic.received, ic.accepted + ic.dropped_total());
  if (attack != Attack::colliding_fresh_keys) {
    // Nothing of the attacker's own verified (fresh keys sign validly).
    EXPECT_EQ(sv.counters().verified, honest_verified) << attack_name(attack);
  }
}

INSTANTIATE_TEST_SUITE_P(Attacks, Flood,
                         ::testing::Values(Attack::forged_copies, Attack::spoofed_sources,
                                           Attack::forged_honest_key, Attack::colliding_fresh_keys,
                                           Attack::steered_probes),
                         [](const auto& p) { return attack_name(p.param); });

}  // namespace
}  // namespace vigil::sigverify
