// CRC32C and the frame parser: the known answer, agreement with a bitwise
// reference, every drop reason, and the junk the traffic generator makes.
#include "host/ingest/frame.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
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
  for (size_t len : {1, 3, 7, 8, 15, 16, 63, 64, 65, 127, 255, 256, 1000, 1232, 3000})
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
  const uint32_t crc = crc32c({f.data(), f.size() - 4});
  for (int i = 0; i < 4; ++i) f[f.size() - 4 + size_t(i)] = uint8_t(crc >> (8 * i));
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
  TrafficGen gen(cfg, {}, {});
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

TEST(Traffic, SignerIsCalledAndInvalidSignaturesDiffer) {
  int calls = 0;
  SignFn sign = [&](uint32_t sender, std::span<const uint8_t> msg, std::span<uint8_t, 64> sig) {
    ++calls;
    std::fill(sig.begin(), sig.end(), uint8_t(sender + msg.size()));
  };
  std::vector<std::array<uint8_t, 32>> keys(2);
  keys[1].fill(1);
  TrafficConfig cfg;
  cfg.payload_len = 20;
  TrafficGen gen(cfg, keys, sign);
  std::vector<uint8_t> buf(TrafficGen::kMaxFrame);
  size_t n = gen.make(TrafficKind::valid, buf);
  FrameView v;
  ASSERT_EQ(parse_frame({buf.data(), n}, v), VIGIL_OK);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(v.signature[0], uint8_t(gen.last_sender() + 20));
  EXPECT_EQ(v.public_key[0], gen.last_sender() == 1 ? 1 : 0);
  n = gen.make(TrafficKind::invalid_signature, buf);
  ASSERT_EQ(parse_frame({buf.data(), n}, v), VIGIL_OK);
  int differing = 0;
  for (int i = 0; i < 64; ++i) differing += v.signature[i] != uint8_t(gen.last_sender() + 20);
  EXPECT_EQ(differing, 1);
}

}  // namespace
}  // namespace vigil::ingest
