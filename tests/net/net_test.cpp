// UDP/IPv4 framing, the UDP port on loopback and the pcap port (write, then
// replay at full speed and at the recorded pace).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "drivers/net/pcap_port.hpp"
#include "drivers/net/udp_encap.hpp"
#include "drivers/net/udp_port.hpp"

namespace vigil::net {
namespace {

std::vector<uint8_t> payload_of(size_t i, size_t len) {
  std::vector<uint8_t> p(len);
  for (size_t k = 0; k < len; ++k) p[k] = uint8_t(i * 31 + k);
  return p;
}

TEST(UdpEncap, RoundTripAndRejects) {
  std::vector<uint8_t> payload = payload_of(1, 100);
  OutPacket o{payload, 0x0a000001, 1234, 0x0a000002, 5678, 0};
  std::vector<uint8_t> buf(2048);
  const size_t n = write_udp_encap(o, buf);
  ASSERT_EQ(n, kEncapLen + 100);
  Packet p;
  ASSERT_TRUE(parse_udp_encap({buf.data(), n}, p));
  EXPECT_EQ(p.len, 100u);
  EXPECT_EQ(0, std::memcmp(p.data, payload.data(), 100));
  EXPECT_EQ(p.src_addr, 0x0a000001u);
  EXPECT_EQ(p.src_port, 1234);
  EXPECT_EQ(p.dst_port, 5678);
  // Trailing Ethernet padding is allowed; a cut datagram is not.
  EXPECT_TRUE(parse_udp_encap({buf.data(), n + 10}, p));
  EXPECT_FALSE(parse_udp_encap({buf.data(), n - 1}, p));
  EXPECT_FALSE(parse_udp_encap({buf.data(), 20}, p));
  std::vector<uint8_t> bad(buf.begin(), buf.begin() + ptrdiff_t(n));
  bad[12] = 0x86;  // IPv6 ethertype
  EXPECT_FALSE(parse_udp_encap(bad, p));
  bad = {buf.begin(), buf.begin() + ptrdiff_t(n)};
  bad[kEthHdrLen + 9] = 6;  // TCP
  EXPECT_FALSE(parse_udp_encap(bad, p));
  bad = {buf.begin(), buf.begin() + ptrdiff_t(n)};
  bad[kEthHdrLen + 6] |= 0x20;  // more fragments
  EXPECT_FALSE(parse_udp_encap(bad, p));
  EXPECT_EQ(write_udp_encap(o, {buf.data(), kEncapLen + 99}), 0u);
}

TEST(UdpPort, LoopbackBurstsKeepContentAndSource) {
  std::string err;
  auto rx = UdpPort::open({.bind_addr = 0x7f000001}, err);
  ASSERT_TRUE(rx) << err;
  // A second source address on loopback: 127.0.0.2.
  auto tx = UdpPort::open({.bind_addr = 0x7f000002, .default_dst_port = rx->local_port()}, err);
  ASSERT_TRUE(tx) << err;
  EXPECT_GT(rx->rcvbuf_bytes(), 1 << 20);
  constexpr size_t kCount = 1000;
  std::vector<std::vector<uint8_t>> payloads;
  std::vector<OutPacket> out;
  for (size_t i = 0; i < kCount; ++i) payloads.push_back(payload_of(i, 50 + i % 200));
  for (auto& p : payloads) out.push_back({.payload = p});
  size_t sent = 0;
  while (sent < kCount) sent += tx->tx_burst(std::span(out).subspan(sent));
  std::vector<Packet> burst(kBurst);
  size_t got = 0;
  for (int spins = 0; got < kCount && spins < 1000000; ++spins) {
    const size_t n = rx->rx_burst(burst);
    for (size_t i = 0; i < n; ++i, ++got) {
      ASSERT_EQ(burst[i].len, payloads[got].size());
      ASSERT_EQ(0, std::memcmp(burst[i].data, payloads[got].data(), burst[i].len));
      EXPECT_EQ(burst[i].src_addr, 0x7f000002u);
      EXPECT_EQ(burst[i].src_port, tx->local_port());
    }
  }
  EXPECT_EQ(got, kCount);
  EXPECT_EQ(rx->stats().rx_packets, kCount);
  EXPECT_EQ(tx->stats().tx_packets, kCount);
  EXPECT_EQ(rx->stats().rx_missed, 0u);
}

TEST(UdpPort, ReusePortLetsReceiversShareAPort) {
  std::string err;
  auto a = UdpPort::open({}, err);
  ASSERT_TRUE(a) << err;
  auto b = UdpPort::open({.bind_port = a->local_port()}, err);
  ASSERT_TRUE(b) << err;
  EXPECT_EQ(b->local_port(), a->local_port());
  auto c = UdpPort::open({.bind_port = a->local_port(), .reuse_port = false}, err);
  EXPECT_FALSE(c);
  EXPECT_NE(err.find("bind"), std::string::npos) << err;
}

TEST(UdpPort, OversizedDatagramsAreDroppedAndCounted) {
  std::string err;
  auto rx = UdpPort::open({}, err);
  ASSERT_TRUE(rx) << err;
  auto tx = UdpPort::open({.default_dst_port = rx->local_port()}, err);
  ASSERT_TRUE(tx) << err;
  std::vector<uint8_t> big(kMaxPayload + 1, 1), ok(10, 2);
  OutPacket o[2] = {{.payload = big}, {.payload = ok}};
  EXPECT_EQ(tx->tx_burst(o), 2u);
  EXPECT_EQ(tx->stats().tx_dropped, 1u);  // the port refuses to send it
  // Sent by hand, the kernel delivers it and the receiver drops it.
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(rx->local_port());
  sa.sin_addr.s_addr = htonl(0x7f000001);
  ASSERT_EQ(
      sendto(tx->fd(), big.data(), big.size(), 0, reinterpret_cast<sockaddr*>(&sa), sizeof sa),
      ssize_t(big.size()));
  std::vector<Packet> burst(kBurst);
  size_t got = 0;
  for (int spins = 0; spins < 100000 && got + rx->stats().rx_truncated < 2; ++spins)
    got += rx->rx_burst(burst);
  EXPECT_EQ(got, 1u);
  EXPECT_EQ(rx->stats().rx_truncated, 1u);
}

class PcapPortTest : public ::testing::Test {
 protected:
  std::string path = (std::filesystem::temp_directory_path() /
                      ("vigil_pcap_" + std::to_string(getpid()) + ".pcap"))
                         .string();
  void TearDown() override { std::filesystem::remove(path); }
};

TEST_F(PcapPortTest, WriteThenReplayAtFullSpeedAndLooped) {
  std::string err;
  std::vector<std::vector<uint8_t>> payloads;
  {
    auto w = PcapPort::open({.write_path = path}, err);
    ASSERT_TRUE(w) << err;
    std::vector<OutPacket> out;
    for (size_t i = 0; i < 100; ++i) payloads.push_back(payload_of(i, 1 + i * 10));
    for (size_t i = 0; i < 100; ++i)
      out.push_back({payloads[i], 0x0a000000u + uint32_t(i), 1000, 0x0a0000ff, 2000,
                     1'000'000'000ull + i * 1000});
    EXPECT_EQ(w->tx_burst(out), 100u);
    EXPECT_EQ(w->stats().tx_packets, 100u);
  }
  auto r = PcapPort::open({.read_path = path, .loops = 2}, err);
  ASSERT_TRUE(r) << err;
  EXPECT_EQ(r->record_count(), 100u);
  std::vector<Packet> burst(kBurst);
  size_t got = 0;
  while (!r->replay_done()) {
    const size_t n = r->rx_burst(burst);
    for (size_t i = 0; i < n; ++i, ++got) {
      const size_t k = got % 100;
      ASSERT_EQ(burst[i].len, payloads[k].size());
      ASSERT_EQ(0, std::memcmp(burst[i].data, payloads[k].data(), burst[i].len));
      EXPECT_EQ(burst[i].src_addr, 0x0a000000u + k);
      EXPECT_EQ(burst[i].timestamp_ns, 1'000'000'000ull + k * 1000);
    }
  }
  EXPECT_EQ(got, 200u);
  EXPECT_EQ(r->rx_burst(burst), 0u);
}

TEST_F(PcapPortTest, RecordedPaceFollowsTheTimeStamps) {
  std::string err;
  {
    auto w = PcapPort::open({.write_path = path}, err);
    ASSERT_TRUE(w) << err;
    std::vector<uint8_t> p(20, 7);
    for (uint64_t i = 0; i < 10; ++i) {
      OutPacket o{p, 1, 1, 2, 2, 5'000'000'000ull + i * 10'000'000};  // every 10 ms
      ASSERT_EQ(w->tx_burst({&o, 1}), 1u);
    }
  }
  uint64_t fake_now = 0;
  auto r = PcapPort::open(
      {.read_path = path, .pace = ReplayPace::recorded, .clock_ns = [&] { return fake_now; }}, err);
  ASSERT_TRUE(r) << err;
  std::vector<Packet> burst(kBurst);
  EXPECT_EQ(r->rx_burst(burst), 1u);  // t = 0: the first record only
  EXPECT_EQ(r->rx_burst(burst), 0u);
  fake_now = 9'999'999;
  EXPECT_EQ(r->rx_burst(burst), 0u);
  fake_now = 10'000'000;
  EXPECT_EQ(r->rx_burst(burst), 1u);
  fake_now = 55'000'000;  // records at 20..50 ms
  EXPECT_EQ(r->rx_burst(burst), 4u);
  fake_now = 1'000'000'000;
  EXPECT_EQ(r->rx_burst(burst), 4u);
  EXPECT_TRUE(r->replay_done());
}

// A capture an attacker edited (or a clock stepped back while recording): a
// record stamped before the first one must not stall the replay forever.
TEST_F(PcapPortTest, RecordedPaceTreatsABackwardsTimeStampAsNoDelay) {
  std::string err;
  {
    auto w = PcapPort::open({.write_path = path}, err);
    ASSERT_TRUE(w) << err;
    std::vector<uint8_t> p(20, 7);
    for (uint64_t ts : {5'000'000'000ull, 4'000'000'000ull, 5'010'000'000ull}) {
      OutPacket o{p, 1, 1, 2, 2, ts};
      ASSERT_EQ(w->tx_burst({&o, 1}), 1u);
    }
  }
  uint64_t fake_now = 0;
  auto r = PcapPort::open(
      {.read_path = path, .pace = ReplayPace::recorded, .clock_ns = [&] { return fake_now; }}, err);
  ASSERT_TRUE(r) << err;
  std::vector<Packet> burst(kBurst);
  EXPECT_EQ(r->rx_burst(burst), 2u);  // the first and the one stamped before it
  fake_now = 10'000'000;
  EXPECT_EQ(r->rx_burst(burst), 1u);
  EXPECT_TRUE(r->replay_done());
}

TEST_F(PcapPortTest, MissingFileIsAnError) {
  std::string err;
  EXPECT_FALSE(PcapPort::open({.read_path = path + ".missing"}, err));
  EXPECT_FALSE(err.empty());
}

}  // namespace
}  // namespace vigil::net
