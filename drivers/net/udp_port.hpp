// UdpPort: kernel UDP sockets for machines without a DPDK NIC (and for
// loopback tests). Bursts use recvmmsg/sendmmsg so one system call moves up
// to a burst of datagrams; the socket is non-blocking, SO_REUSEPORT (so
// several receive threads can share a port) and has large kernel buffers.
//
// Promise: no allocation after open(); views returned by rx_burst point into
// buffers the port owns (valid until the next rx_burst); datagrams larger
// than kMaxPayload are dropped and counted (rx_truncated), kernel drops for a
// full socket queue are counted (rx_missed, from SO_RXQ_OVFL).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "drivers/net/packet_port.hpp"

struct mmsghdr;

namespace vigil::net {

struct UdpConfig {
  uint32_t bind_addr = 0x7f000001;  // 127.0.0.1, host byte order
  uint16_t bind_port = 0;           // 0: the kernel picks one (see local_port)
  bool reuse_port = true;
  int socket_buffer_bytes = 32 << 20;  // SO_RCVBUF/SO_SNDBUF (forced as root)
  size_t burst = kBurst;               // datagrams per recvmmsg/sendmmsg
  // Where tx_burst sends an OutPacket whose dst_addr is 0.
  uint32_t default_dst_addr = 0x7f000001;
  uint16_t default_dst_port = 0;
};

class UdpPort final : public PacketPort {
 public:
  // Opens and binds the socket; nullptr and a reason in `error` on failure.
  static std::unique_ptr<UdpPort> open(const UdpConfig& config, std::string& error);
  ~UdpPort() override;
  UdpPort(const UdpPort&) = delete;
  UdpPort& operator=(const UdpPort&) = delete;

  size_t rx_burst(std::span<Packet> out) override;
  size_t tx_burst(std::span<const OutPacket> pkts) override;
  PortStats stats() override { return stats_; }
  std::string name() const override { return "udp"; }

  uint16_t local_port() const { return local_port_; }
  // Buffer sizes the kernel granted (it may clamp what was asked).
  int rcvbuf_bytes() const { return rcvbuf_; }
  int fd() const { return fd_; }

 private:
  struct Slot;
  UdpPort(int fd, const UdpConfig& config);

  int fd_;
  UdpConfig config_;
  uint16_t local_port_ = 0;
  int rcvbuf_ = 0;
  uint32_t last_overflow_ = 0;  // SO_RXQ_OVFL is a running count
  std::vector<uint8_t> buffers_;
  std::vector<Slot> slots_;
  std::vector<mmsghdr> msgs_;
  PortStats stats_;
};

}  // namespace vigil::net
