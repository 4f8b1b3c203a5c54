// PacketPort: the one interface between a packet source (DPDK poll-mode
// driver, kernel UDP socket, capture file) and the ingest stage.
//
// Promise: rx_burst fills at most out.size() views and never blocks; every
// view stays valid until the next rx_burst or close on the same port (the
// port owns the bytes and reuses them, nothing is allocated per packet).
// tx_burst sends UDP payloads; what it cannot send it counts in
// tx_dropped. A port is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace vigil::net {

// One received datagram: the UDP payload and where it came from.
struct Packet {
  const uint8_t* data = nullptr;
  uint32_t len = 0;
  uint32_t src_addr = 0;  // IPv4 source address, host byte order
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  // Capture time in nanoseconds where the source records one (pcap), else 0.
  uint64_t timestamp_ns = 0;

  std::span<const uint8_t> bytes() const { return {data, len}; }
};

// One datagram to send. The port adds whatever headers its medium needs.
struct OutPacket {
  std::span<const uint8_t> payload;
  uint32_t src_addr = 0;  // used where the port writes IP headers (dpdk, pcap)
  uint16_t src_port = 0;
  uint32_t dst_addr = 0;
  uint16_t dst_port = 0;
  uint64_t timestamp_ns = 0;  // pcap: the record's time stamp
};

// Counters every port keeps; a port-specific driver may add its own.
struct PortStats {
  uint64_t rx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t rx_bursts = 0;     // rx_burst calls that returned packets
  uint64_t rx_not_udp = 0;    // dropped: not Ethernet/IPv4/UDP (dpdk, pcap)
  uint64_t rx_truncated = 0;  // dropped: larger than the port's buffer
  uint64_t rx_errors = 0;     // receive errors the medium reported
  uint64_t rx_missed = 0;     // dropped by the device/kernel (queue full)
  uint64_t tx_packets = 0;
  uint64_t tx_bytes = 0;
  uint64_t tx_dropped = 0;      // not sent: queue full, no buffer, too big
  uint64_t buffers_in_use = 0;  // dpdk: mbufs held by the port (views)
};

// Largest UDP payload a port carries (a frame is at most 1232 bytes).
inline constexpr size_t kMaxPayload = 2048 - 64;
// Burst size the drivers are tuned for.
inline constexpr size_t kBurst = 32;

class PacketPort {
 public:
  virtual ~PacketPort() = default;
  // Receives up to out.size() packets without blocking; returns how many.
  virtual size_t rx_burst(std::span<Packet> out) = 0;
  // Sends up to pkts.size() datagrams; returns how many were accepted.
  virtual size_t tx_burst(std::span<const OutPacket> pkts) = 0;
  // Counters so far (cheap; may query the device).
  virtual PortStats stats() = 0;
  virtual std::string name() const = 0;
};

}  // namespace vigil::net
