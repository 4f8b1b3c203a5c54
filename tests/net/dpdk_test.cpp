// The DPDK port on virtual devices (net_ring loops its tx back to rx,
// net_null swallows tx and makes zero-filled rx packets, net_pcap replays a
// capture). Each test case runs in its own process (one EAL per process)
// and skips, saying why, where EAL cannot start.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include "drivers/net/dpdk_port.hpp"
#include "drivers/net/pcap_port.hpp"

namespace vigil::net {
namespace {

// Initialises EAL once per process; the reason when it cannot. Without
// hugepages and PCI, EAL often starts without root too, so it is tried
// either way and root is only named in the reason.
const std::string& eal_skip_reason() {
  static const std::string reason = [] {
    std::string err;
    const std::vector<std::string> args = dpdk_test_eal_args();
    if (dpdk_eal_init(args, err)) return std::string();
    return "EAL init failed" + std::string(geteuid() != 0 ? " (not root)" : "") + ": " + err;
  }();
  return reason;
}

#define REQUIRE_EAL()                                                  \
  do {                                                                 \
    if (!eal_skip_reason().empty()) GTEST_SKIP() << eal_skip_reason(); \
  } while (0)

std::vector<uint8_t> payload_of(size_t i, size_t len) {
  std::vector<uint8_t> p(len);
  for (size_t k = 0; k < len; ++k) p[k] = uint8_t(i + 3 * k);
  return p;
}

TEST(DpdkPort, EalInitIsOncePerProcess) {
  REQUIRE_EAL();
  std::string err;
  const std::vector<std::string> other{"--bogus-flag"};
  EXPECT_TRUE(dpdk_eal_init(other, err)) << "a second call reports the first one";
  EXPECT_FALSE(DpdkPort::open({.device = "net_nonexistent0"}, err));
  EXPECT_NE(err.find("no ethdev"), std::string::npos) << err;
}

TEST(DpdkPort, RingLoopbackCarriesDatagramsAndLeaksNoMbuf) {
  REQUIRE_EAL();
  std::string err;
  auto port = DpdkPort::open({.device = "net_ring0", .mbufs = 2047, .mbuf_cache = 0}, err);
  ASSERT_TRUE(port) << err;
  const unsigned full = port->pool_available();
  EXPECT_EQ(full, 2047u);
  constexpr size_t kCount = 500;
  std::vector<std::vector<uint8_t>> payloads;
  std::vector<OutPacket> out;
  for (size_t i = 0; i < kCount; ++i) payloads.push_back(payload_of(i, 40 + i % 300));
  for (size_t i = 0; i < kCount; ++i)
    out.push_back({payloads[i], 0x0a000100u + uint32_t(i % 7), uint16_t(1000 + i), 0, 0, 0});
  EXPECT_EQ(port->tx_burst(out), kCount);
  std::vector<Packet> burst(64);
  size_t got = 0;
  for (int spins = 0; got < kCount && spins < 10000; ++spins) {
    const size_t n = port->rx_burst(burst);
    EXPECT_LE(n, kBurst);
    EXPECT_EQ(port->stats().buffers_in_use, n);  // the port holds one burst
    for (size_t i = 0; i < n; ++i, ++got) {
      ASSERT_EQ(burst[i].len, payloads[got].size());
      ASSERT_EQ(0, std::memcmp(burst[i].data, payloads[got].data(), burst[i].len));
      EXPECT_EQ(burst[i].src_addr, 0x0a000100u + got % 7);
      EXPECT_EQ(burst[i].src_port, 1000 + got);
    }
  }
  EXPECT_EQ(got, kCount);
  PortStats s = port->stats();
  EXPECT_EQ(s.rx_packets, kCount);
  EXPECT_EQ(s.tx_packets, kCount);
  const DpdkQueueStats q = port->queue_stats();
  EXPECT_EQ(q.ipackets, kCount);
  EXPECT_EQ(q.opackets, kCount);
  EXPECT_EQ(q.q0_ipackets, kCount);
  EXPECT_EQ(q.q0_opackets, kCount);
  EXPECT_EQ(q.imissed + q.ierrors + q.oerrors, 0u);
  port->release_held();
  EXPECT_EQ(port->pool_available(), full) << "every mbuf is back in the pool";
}

TEST(DpdkPort, FullQueueReturnsUnsentMbufs) {
  REQUIRE_EAL();
  std::string err;
  auto port = DpdkPort::open({.device = "net_ring0", .mbufs = 4095, .mbuf_cache = 0}, err);
  ASSERT_TRUE(port) << err;
  std::vector<uint8_t> p(64, 1);
  std::vector<OutPacket> out(3000, OutPacket{.payload = p});
  // net_ring's ring holds 1023: the rest is not sent and not leaked.
  const size_t sent = port->tx_burst(out);
  EXPECT_GT(sent, 500u);
  EXPECT_LT(sent, 3000u);
  EXPECT_EQ(port->pool_available(), 4095u - sent);
  std::vector<Packet> burst(kBurst);
  size_t got = 0;
  while (size_t n = port->rx_burst(burst)) got += n;
  EXPECT_EQ(got, sent);
  EXPECT_EQ(port->pool_available(), 4095u);
}

TEST(DpdkPort, NullDeviceCountsNonUdpAndFreesThem) {
  REQUIRE_EAL();
  std::string err;
  auto port = DpdkPort::open({.device = "net_null0", .mbufs = 1023, .mbuf_cache = 0}, err);
  ASSERT_TRUE(port) << err;
  std::vector<Packet> burst(kBurst);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(port->rx_burst(burst), 0u);
  EXPECT_EQ(port->stats().rx_not_udp, 10 * kBurst);  // zero-filled, not IPv4
  std::vector<uint8_t> p(100, 9);
  std::vector<OutPacket> out(100, OutPacket{.payload = p});
  EXPECT_EQ(port->tx_burst(out), 100u);
  EXPECT_EQ(port->stats().tx_packets, 100u);
  EXPECT_EQ(port->pool_available(), 1023u);
}

TEST(DpdkPort, InjectedPacketsRepeatTheirSetAndLeakNoMbuf) {
  REQUIRE_EAL();
  std::string err;
  auto port = DpdkPort::open({.device = "net_ring0", .mbufs = 1023, .mbuf_cache = 0}, err);
  ASSERT_TRUE(port) << err;
  std::vector<std::vector<uint8_t>> payloads;
  std::vector<OutPacket> out;
  for (size_t i = 0; i < 10; ++i) payloads.push_back(payload_of(i, 30));
  for (auto& p : payloads) out.push_back({.payload = p});
  ASSERT_TRUE(port->preload(out, err)) << err;
  EXPECT_EQ(port->preloaded(), 10u);
  EXPECT_EQ(port->pool_available(), 1023u);
  std::vector<Packet> burst(kBurst);
  for (int round = 0; round < 100; ++round) {
    ASSERT_EQ(port->inject(25), 25u);
    size_t got = 0;
    while (size_t n = port->rx_burst(burst)) {
      for (size_t i = 0; i < n; ++i, ++got)
        ASSERT_EQ(0, std::memcmp(burst[i].data, payloads[(round * 25 + got) % 10].data(), 30));
    }
    ASSERT_EQ(got, 25u);
  }
  port->release_held();
  EXPECT_EQ(port->pool_available(), 1023u);
}

TEST(DpdkPort, PcapVdevReplaysACaptureThePcapPortWrote) {
  REQUIRE_EAL();
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("vigil_dpdk_" + std::to_string(getpid()) + ".pcap"))
                               .string();
  std::string err;
  std::vector<std::vector<uint8_t>> payloads;
  {
    auto w = PcapPort::open({.write_path = path}, err);
    ASSERT_TRUE(w) << err;
    for (size_t i = 0; i < 200; ++i) {
      payloads.push_back(payload_of(i, 20 + i));
      OutPacket o{payloads.back(), 0x0a000009, 7, 0x0a00000a, 9, 0};
      ASSERT_EQ(w->tx_burst({&o, 1}), 1u);
    }
  }
  ASSERT_TRUE(dpdk_attach_vdev("net_pcap7", "rx_pcap=" + path, err)) << err;
  auto port = DpdkPort::open({.device = "net_pcap7", .mbufs = 1023, .mbuf_cache = 0}, err);
  ASSERT_TRUE(port) << err;
  std::vector<Packet> burst(kBurst);
  size_t got = 0;
  for (int spins = 0; got < 200 && spins < 100000; ++spins) {
    const size_t n = port->rx_burst(burst);
    for (size_t i = 0; i < n; ++i, ++got) {
      ASSERT_EQ(burst[i].len, payloads[got].size());
      ASSERT_EQ(0, std::memcmp(burst[i].data, payloads[got].data(), burst[i].len));
      EXPECT_EQ(burst[i].src_addr, 0x0a000009u);
    }
  }
  EXPECT_EQ(got, 200u);
  port.reset();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace vigil::net
