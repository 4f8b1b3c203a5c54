// CRC32C and the frame parser: the known answer, agreement with a bitwise
// reference, every drop reason, and the junk the traffic generator makes.
#include "host/ingest/frame.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <string_view>
#include <vector>

#include "host/ingest/crc32c.hpp"
#include "host/ingest/traffic.hpp"

namespace vigil::ingest {
namespace {

uint32_t crc32c_bitwise(std::span<const uint8_t> bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (uint8_t b : bytes) {
    crc ^= b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

TEST(Crc32c, KnownAnswer) {
  const char* s = "123456789";
  EXPECT_EQ(crc32c({reinterpret_cast<const uint8_t*>(s), 9}), 0xE3069283u);
  EXPECT_EQ(crc32c({}), 0u);
  // RFC 3720 B.4: 32 bytes of zeros.
  std::array<uint8_t, 32> zeros{};
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
}

TEST(Crc32c, AgreesWithBitwiseReference) {
  std::mt19937_64 rng(7);
  std::vector<uint8_t> buf(3000);
  for (auto& b : buf) b = uint8_t(rng());
  for (size_t len :
       {1, 3, 7, 8, 15, 16, 63, 64, 65, 127, 255, 256, 511, 512, 513, 1000, 1232, 3000})
    EXPECT_EQ(crc32c({buf.data(), len}), crc32c_bitwise({buf.data(), len})) << len;
}

struct Built {
  std::vector<uint8_t> bytes;
};

Built valid_frame(size_t payload_len, uint8_t fill = 0x5a) {
  std::array<uint8_t, 32> pk;
  std::array<uint8_t, 64> sig;
  pk.fill(0x11);
  sig.fill(0x22);
  std::vector<uint8_t> payload(payload_len, fill);
  Built b;
  b.bytes.resize(frame_size(payload_len));
  EXPECT_EQ(encode_frame(pk, sig, payload, b.bytes), b.bytes.size());
  return b;
}

void fix_crc(std::vector<uint8_t>& f) {
  reseal_crc(f);
}

TEST(Frame, ValidRoundTrip) {
  for (size_t len : {size_t(0), size_t(1), size_t(64), size_t(VIGIL_TX_PAYLOAD_MAX)}) {
    Built b = valid_frame(len);
    FrameView v;
    ASSERT_EQ(parse_frame(b.bytes, v), VIGIL_OK) << len;
    EXPECT_EQ(v.scheme, VIGIL_SCHEME_ED25519);
    EXPECT_EQ(v.public_key, b.bytes.data() + 8);
    EXPECT_EQ(v.signature, b.bytes.data() + 40);
    EXPECT_EQ(v.payload.data(), b.bytes.data() + 104);
    EXPECT_EQ(v.payload.size(), len);
    EXPECT_EQ(v.public_key[0], 0x11);
    EXPECT_EQ(v.signature[63], 0x22);
  }
  EXPECT_EQ(frame_size(0), size_t(VIGIL_TX_FRAME_MIN));
  EXPECT_EQ(frame_size(VIGIL_TX_PAYLOAD_MAX), size_t(VIGIL_TX_FRAME_MAX));
}

TEST(Frame, EncodeRefusesWhatCannotBeAFrame) {
  std::array<uint8_t, 32> pk{};
  std::array<uint8_t, 64> sig{};
  std::vector<uint8_t> payload(VIGIL_TX_PAYLOAD_MAX + 1);
  std::vector<uint8_t> out(4096);
  EXPECT_EQ(encode_frame(pk, sig, payload, out), 0u);
  std::vector<uint8_t> small(frame_size(10) - 1);
  EXPECT_EQ(encode_frame(pk, sig, std::span(payload).first(10), small), 0u);
}

TEST(Frame, Short) {
  Built b = valid_frame(10);
  FrameView v;
  for (size_t n = 0; n < sizeof(vigil_tx_frame_hdr); ++n)
    EXPECT_EQ(parse_frame({b.bytes.data(), n}, v), VIGIL_ERR_SHORT) << n;
}

TEST(Frame, OversizedBySize) {
  std::vector<uint8_t> f(VIGIL_TX_FRAME_MAX + 1, 0);
  f[0] = VIGIL_WIRE_VERSION;
  f[1] = VIGIL_SCHEME_ED25519;
  FrameView v;
  EXPECT_EQ(parse_frame(f, v), VIGIL_ERR_OVERSIZED);
}

TEST(Frame, OversizedByPayloadLength) {
  Built b = valid_frame(10);
  const uint16_t big = VIGIL_TX_PAYLOAD_MAX + 1;
  b.bytes[2] = uint8_t(big);
  b.bytes[3] = uint8_t(big >> 8);
  fix_crc(b.bytes);
  FrameView v;
  EXPECT_EQ(parse_frame(b.bytes, v), VIGIL_ERR_OVERSIZED);
}

TEST(Frame, UnknownVersionAndScheme) {
  FrameView v;
  Built b = valid_frame(10);
  b.bytes[0] = VIGIL_WIRE_VERSION + 1;
  fix_crc(b.bytes);
  EXPECT_EQ(parse_frame(b.bytes, v), VIGIL_ERR_UNKNOWN_VERSION);
  b = valid_frame(10);
  b.bytes[0] = 0;
  fix_crc(b.bytes);
  EXPECT_EQ(parse_frame(b.bytes, v), VIGIL_ERR_UNKNOWN_VERSION);
  b = valid_frame(10);
  b.bytes[1] = 2;
  fix_crc(b.bytes);
  EXPECT_EQ(parse_frame(b.bytes, v), VIGIL_ERR_UNKNOWN_SCHEME);
}

TEST(Frame, BadLength) {
  FrameView v;
  Built b = valid_frame(10);
  // One byte missing, one byte extra, header claiming one more or less.
  EXPECT_EQ(parse_frame({b.bytes.data(), b.bytes.size() - 1}, v), VIGIL_ERR_BAD_LENGTH);
  std::vector<uint8_t> longer = b.bytes;
  longer.push_back(0);
  EXPECT_EQ(parse_frame(longer, v), VIGIL_ERR_BAD_LENGTH);
  for (uint16_t claim : {uint16_t(9), uint16_t(11), uint16_t(0)}) {
    b = valid_frame(10);
    b.bytes[2] = uint8_t(claim);
    b.bytes[3] = 0;
    fix_crc(b.bytes);
    EXPECT_EQ(parse_frame(b.bytes, v), VIGIL_ERR_BAD_LENGTH) << claim;
  }
  // A header alone (8..107 bytes) can never be a whole frame.
  EXPECT_EQ(parse_frame({b.bytes.data(), 50}, v), VIGIL_ERR_BAD_LENGTH);
}

TEST(Frame, BadCrcAnywhere) {
  Built good = valid_frame(40);
  FrameView v;
  // Flip one bit in each byte (header, key, signature, payload, CRC) whose
  // change the earlier checks do not catch.
  for (size_t i = 4; i < good.bytes.size(); ++i) {
    std::vector<uint8_t> f = good.bytes;
    f[i] ^= 0x10;
    EXPECT_EQ(parse_frame(f, v), VIGIL_ERR_BAD_CRC) << i;
  }
}

TEST(Frame, FlagsAreCoveredByCrcAndPassedThrough) {
  Built b = valid_frame(5);
  b.bytes[4] = 0x01;
  FrameView v;
  EXPECT_EQ(parse_frame(b.bytes, v), VIGIL_ERR_BAD_CRC);
  fix_crc(b.bytes);
  ASSERT_EQ(parse_frame(b.bytes, v), VIGIL_OK);
  EXPECT_EQ(v.flags, 1u);
}

TEST(Traffic, JunkKindsMapToTheirDropReasons) {
  TrafficConfig cfg;
  TrafficGen gen(cfg, {}, Signing::random);
  std::vector<uint8_t> buf(TrafficGen::kMaxFrame);
  const vigil_error want[] = {VIGIL_ERR_SHORT,           VIGIL_ERR_OVERSIZED,
                              VIGIL_ERR_UNKNOWN_VERSION, VIGIL_ERR_UNKNOWN_SCHEME,
                              VIGIL_ERR_BAD_LENGTH,      VIGIL_ERR_BAD_CRC,
                              VIGIL_ERR_UNKNOWN_VERSION};
  for (int round = 0; round < 50; ++round) {
    for (size_t k = 0; k < size_t(JunkKind::count_); ++k) {
      const size_t n = gen.make(TrafficKind::junk, buf);
      ASSERT_EQ(size_t(gen.last_junk()), k);
      FrameView v;
      EXPECT_EQ(parse_frame({buf.data(), n}, v), want[k]) << "junk kind " << k;
    }
  }
  for (auto kind : {TrafficKind::valid, TrafficKind::invalid_signature, TrafficKind::duplicate}) {
    const size_t n = gen.make(kind, buf);
    FrameView v;
    EXPECT_EQ(parse_frame({buf.data(), n}, v), VIGIL_OK);
  }
}

bool verifies(std::span<const uint8_t> frame) {
  FrameView v;
  if (parse_frame(frame, v) != VIGIL_OK) return false;
  std::array<uint8_t, kSignedMessageMax> msg;
  const size_t n = frame_signed_message(v, msg);
  return crypto::verify({v.public_key, v.signature, {msg.data(), n}}, crypto::Rules::zip215) ==
         VIGIL_OK;
}

TEST(Traffic, ValidFramesVerifyAndInvalidOnesDoNot) {
  TrafficConfig cfg;
  cfg.payload_len = 20;
  TrafficGen gen(cfg, {sender_keypair(5, 0), sender_keypair(5, 1)}, Signing::ed25519);
  std::vector<uint8_t> buf(TrafficGen::kMaxFrame);
  for (int i = 0; i < 8; ++i) {
    size_t n = gen.make(TrafficKind::valid, buf);
    FrameView v;
    ASSERT_EQ(parse_frame({buf.data(), n}, v), VIGIL_OK);
    EXPECT_EQ(
        0, std::memcmp(v.public_key, sender_keypair(5, gen.last_sender()).public_key.data(), 32));
    EXPECT_TRUE(verifies({buf.data(), n}));
    n = gen.make(TrafficKind::invalid_signature, buf);
    EXPECT_FALSE(verifies({buf.data(), n}));
  }
}

// The contract: the signature covers the domain, the header as sent and the
// payload, in that order, and nothing else.
TEST(SignedMessage, IsDomainThenHeaderThenPayload) {
  const crypto::Keypair key = sender_keypair(3, 0);
  std::vector<uint8_t> payload(33);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = uint8_t(i * 7);
  std::vector<uint8_t> f(frame_size(payload.size()));
  ASSERT_EQ(sign_frame(key, payload, f), f.size());
  FrameView v;
  ASSERT_EQ(parse_frame(f, v), VIGIL_OK);
  const std::string_view domain = VIGIL_TX_SIGN_DOMAIN;
  std::vector<uint8_t> want(domain.begin(), domain.end());
  ASSERT_EQ(want.size(), 16u);
  want.insert(want.end(), f.begin(), f.begin() + 8);
  want.insert(want.end(), payload.begin(), payload.end());
  std::vector<uint8_t> got(kSignedMessageMax);
  got.resize(frame_signed_message(v, got));
  EXPECT_EQ(got, want);
  EXPECT_EQ(got.size(), signed_message_size(payload.size()));
  const crypto::Signature sig = crypto::sign(key, want);
  EXPECT_EQ(0, std::memcmp(v.signature, sig.data(), 64));
  std::vector<uint8_t> small(want.size() - 1);
  EXPECT_EQ(frame_signed_message(v, small), 0u);
  std::vector<uint8_t> tiny(frame_size(payload.size()) - 1);
  EXPECT_EQ(sign_frame(key, payload, tiny), 0u);
}

// The attack of the review: take an honest frame, change a header byte the
// parser accepts (the reserved flags), recompute the CRC. The copy parses
// but no longer verifies: the frame is not malleable.
TEST(SignedMessage, AHeaderEditedCopyWithAFreshCrcDoesNotVerify) {
  const crypto::Keypair key = sender_keypair(3, 1);
  std::vector<uint8_t> payload(40, 0x42);
  std::vector<uint8_t> honest(frame_size(payload.size()));
  ASSERT_EQ(sign_frame(key, payload, honest), honest.size());
  ASSERT_TRUE(verifies(honest));
  for (size_t byte = 4; byte < 8; ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> forged = honest;
      forged[byte] ^= uint8_t(1u << bit);
      reseal_crc(forged);
      FrameView v;
      ASSERT_EQ(parse_frame(forged, v), VIGIL_OK);
      EXPECT_FALSE(verifies(forged)) << "flags byte " << byte << " bit " << bit;
    }
  }
  // A copy with another payload under the honest signature fails too.
  std::vector<uint8_t> other = honest;
  other[sizeof(vigil_tx_frame_ed25519)] ^= 1;
  reseal_crc(other);
  EXPECT_FALSE(verifies(other));
  // A version 1 signature (over the payload alone) does not verify.
  const crypto::Signature v1 = crypto::sign(key, payload);
  std::vector<uint8_t> old(frame_size(payload.size()));
  ASSERT_EQ(encode_frame(key.public_key, v1, payload, old), old.size());
  EXPECT_FALSE(verifies(old));
}

}  // namespace
}  // namespace vigil::ingest
