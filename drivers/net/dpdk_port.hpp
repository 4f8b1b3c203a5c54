// DpdkPort: a DPDK ethdev port (a NIC, or net_ring/net_null/net_pcap in
// tests) as a PacketPort: one receive and one transmit queue, bursts of 32.
//
// EAL is process-wide and can be initialised once: dpdk_eal_init() takes the
// configuration's argument list, the first call decides, later calls report
// what the first one did. Ports are opened by device name after that.
//
// Promise: rx_burst hands out views into the mbufs of the last burst; those
// mbufs go back to the pool at the next rx_burst or at close, so the port
// holds at most one burst. Packets that are not Ethernet/IPv4/UDP, or that
// span several segments, are freed at once and counted. tx_burst frees what
// the queue did not take. close (the destructor) drains the receive queue
// and stops the port, so every mbuf is back in the pool before the pool goes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "drivers/net/packet_port.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace vigil::net {

// Initialises EAL from `args` (argv[0] is added). Idempotent: after a
// successful first call it returns true without looking at `args`; after a
// failed one it returns false again (EAL cannot be retried in a process).
bool dpdk_eal_init(std::span<const std::string> args, std::string& error);

// The flags that run EAL here without hugepages or PCI devices, with a
// net_ring and a net_null device, and without shared files (so two
// processes can run at once).
std::vector<std::string> dpdk_test_eal_args();

// Creates a virtual device after EAL is up (as --vdev=name,args would at
// start), e.g. ("net_pcap1", "rx_pcap=/tmp/x.pcap").
bool dpdk_attach_vdev(const std::string& name, const std::string& args, std::string& error);

struct DpdkConfig {
  std::string device = "net_ring0";  // ethdev name, as in --vdev=net_ring0
  uint16_t rx_desc = 1024;
  uint16_t tx_desc = 1024;
  uint32_t mbufs = 8191;  // pool size (2^n - 1 is the efficient size)
  uint16_t mbuf_cache = 256;
  uint16_t data_room = 2048 + 128;  // RTE_MBUF_DEFAULT_BUF_SIZE
  // Headers tx_burst writes when an OutPacket leaves them zero.
  uint32_t src_addr = 0x0a000001;  // 10.0.0.1
  uint32_t dst_addr = 0x0a000002;
  uint16_t src_port = 9000;
  uint16_t dst_port = 9000;
};

// The device's own counters (rte_eth_stats), port-wide and for queue 0,
// the one queue pair a DpdkPort uses.
struct DpdkQueueStats {
  uint64_t ipackets = 0, opackets = 0, ibytes = 0, obytes = 0;
  uint64_t imissed = 0, ierrors = 0, oerrors = 0, rx_nombuf = 0;
  uint64_t q0_ipackets = 0, q0_opackets = 0, q0_ibytes = 0, q0_obytes = 0, q0_errors = 0;
};

class DpdkPort final : public PacketPort {
 public:
  // EAL must be initialised first. nullptr and a reason on failure.
  static std::unique_ptr<DpdkPort> open(const DpdkConfig& config, std::string& error);
  ~DpdkPort() override;
  DpdkPort(const DpdkPort&) = delete;
  DpdkPort& operator=(const DpdkPort&) = delete;

  size_t rx_burst(std::span<Packet> out) override;
  size_t tx_burst(std::span<const OutPacket> pkts) override;
  PortStats stats() override;
  DpdkQueueStats queue_stats() const;
  std::string name() const override { return "dpdk:" + config_.device; }

  // Raw mbuf access for peers that measure DPDK itself (the forwarding
  // ceiling): the caller owns what rx_raw returns and what tx_raw did not
  // send.
  size_t rx_raw(rte_mbuf** pkts, uint16_t n);
  size_t tx_raw(rte_mbuf** pkts, uint16_t n);
  rte_mempool* pool() const { return pool_; }
  uint16_t port_id() const { return port_id_; }
  // Mbufs free in the pool now (a leak check: equals the pool size when the
  // port holds nothing and nothing is in flight).
  unsigned pool_available() const;
  unsigned pool_size() const { return config_.mbufs; }
  // Returns the last burst's mbufs to the pool now.
  void release_held();

  // Benchmarks and tests: a fixed set of packets, framed once, that
  // inject() copies into fresh mbufs and transmits again and again, the way
  // a NIC writes arriving packets into recycled buffers. (Sharing one mbuf
  // by reference count instead costs an atomic per packet on free.)
  bool preload(std::span<const OutPacket> pkts, std::string& error);
  // Transmits the next n preloaded packets, round robin; returns how many
  // the queue took.
  size_t inject(size_t n);
  size_t preloaded() const { return preload_off_.empty() ? 0 : preload_off_.size() - 1; }
  // DPDK alone, the ceiling for everything behind the port: injects one
  // burst of preloaded packets, receives up to one burst and frees it, with
  // no parsing at all. Returns the packets received.
  size_t loopback_burst();

 private:
  DpdkPort() = default;

  DpdkConfig config_;
  uint16_t port_id_ = 0;
  bool started_ = false;
  rte_mempool* pool_ = nullptr;
  std::array<rte_mbuf*, kBurst> held_{};
  uint16_t held_count_ = 0;
  std::vector<uint8_t> preload_bytes_;  // framed packets back to back
  std::vector<size_t> preload_off_;     // packet i: [off[i], off[i+1])
  size_t inject_next_ = 0;
  PortStats stats_;
};

}  // namespace vigil::net
