#include "drivers/net/udp_port.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vigil::net {

// Per-message state for one recvmmsg/sendmmsg slot.
struct UdpPort::Slot {
  iovec iov;
  sockaddr_in addr;
  // Room for one SO_RXQ_OVFL control message.
  alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(uint32_t))];
  size_t index;  // tx: which OutPacket this slot carries
};

namespace {

constexpr size_t kSlotBytes = 2048;

sockaddr_in make_addr(uint32_t addr, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(addr);
  sa.sin_port = htons(port);
  return sa;
}

// Asks for `bytes`; as root SO_*BUFFORCE passes net.core.*mem_max.
void set_buffer(int fd, int opt, int force_opt, int bytes) {
  if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof bytes) != 0)
    setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
}

}  // namespace

std::unique_ptr<UdpPort> UdpPort::open(const UdpConfig& config, std::string& error) {
  if (config.burst == 0 || config.burst > 1024) {
    error = "udp: burst must be 1..1024";
    return nullptr;
  }
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("udp: socket: ") + std::strerror(errno);
    return nullptr;
  }
  const int one = 1;
  if (config.reuse_port) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
  set_buffer(fd, SO_RCVBUF, SO_RCVBUFFORCE, config.socket_buffer_bytes);
  set_buffer(fd, SO_SNDBUF, SO_SNDBUFFORCE, config.socket_buffer_bytes);
  sockaddr_in sa = make_addr(config.bind_addr, config.bind_port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    error = std::string("udp: bind: ") + std::strerror(errno);
    close(fd);
    return nullptr;
  }
  std::unique_ptr<UdpPort> port(new UdpPort(fd, config));
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  port->local_port_ = ntohs(sa.sin_port);
  socklen_t optlen = sizeof port->rcvbuf_;
  getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &port->rcvbuf_, &optlen);
  return port;
}

UdpPort::UdpPort(int fd, const UdpConfig& config)
    : fd_(fd),
      config_(config),
      buffers_(config.burst * kSlotBytes),
      slots_(config.burst),
      msgs_(config.burst) {}

UdpPort::~UdpPort() {
  close(fd_);
}

size_t UdpPort::rx_burst(std::span<Packet> out) {
  const size_t want = std::min(out.size(), config_.burst);
  if (want == 0) return 0;
  for (size_t i = 0; i < want; ++i) {
    Slot& s = slots_[i];
    s.iov = {buffers_.data() + i * kSlotBytes, kSlotBytes};
    msghdr& h = msgs_[i].msg_hdr;
    h = {};
    h.msg_name = &s.addr;
    h.msg_namelen = sizeof s.addr;
    h.msg_iov = &s.iov;
    h.msg_iovlen = 1;
    h.msg_control = s.control;
    h.msg_controllen = sizeof s.control;
  }
  const int got = recvmmsg(fd_, msgs_.data(), unsigned(want), MSG_DONTWAIT, nullptr);
  if (got <= 0) {
    if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ++stats_.rx_errors;
    return 0;
  }
  size_t n = 0;
  for (int i = 0; i < got; ++i) {
    const msghdr& h = msgs_[size_t(i)].msg_hdr;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
        uint32_t total;
        std::memcpy(&total, CMSG_DATA(c), sizeof total);
        stats_.rx_missed += uint32_t(total - last_overflow_);
        last_overflow_ = total;
      }
    }
    const size_t len = msgs_[size_t(i)].msg_len;
    if ((h.msg_flags & MSG_TRUNC) || len > kMaxPayload) {
      ++stats_.rx_truncated;
      continue;
    }
    const Slot& s = slots_[size_t(i)];
    Packet& p = out[n++];
    p.data = static_cast<const uint8_t*>(s.iov.iov_base);
    p.len = uint32_t(len);
    p.src_addr = ntohl(s.addr.sin_addr.s_addr);
    p.src_port = ntohs(s.addr.sin_port);
    p.dst_port = local_port_;
    p.timestamp_ns = 0;
    stats_.rx_bytes += len;
  }
  stats_.rx_packets += n;
  ++stats_.rx_bursts;
  return n;
}

size_t UdpPort::tx_burst(std::span<const OutPacket> pkts) {
  // Returns how many packets from the front were consumed: sent, or dropped
  // and counted because they can never be sent (too large).
  size_t next = 0;
  while (next < pkts.size()) {
    const size_t want = std::min(pkts.size() - next, config_.burst);
    size_t n = 0;
    for (size_t i = next; i < next + want; ++i) {
      const OutPacket& p = pkts[i];
      if (p.payload.size() > kMaxPayload) {
        ++stats_.tx_dropped;
        continue;
      }
      Slot& s = slots_[n];
      const bool dflt = p.dst_addr == 0;
      s.addr = make_addr(dflt ? config_.default_dst_addr : p.dst_addr,
                         dflt ? config_.default_dst_port : p.dst_port);
      s.iov = {const_cast<uint8_t*>(p.payload.data()), p.payload.size()};
      s.index = i;
      msghdr& h = msgs_[n].msg_hdr;
      h = {};
      h.msg_name = &s.addr;
      h.msg_namelen = sizeof s.addr;
      h.msg_iov = &s.iov;
      h.msg_iovlen = 1;
      ++n;
    }
    const int done = n ? sendmmsg(fd_, msgs_.data(), unsigned(n), MSG_DONTWAIT) : 0;
    const size_t ok = done > 0 ? size_t(done) : 0;
    for (size_t i = 0; i < ok; ++i) stats_.tx_bytes += slots_[i].iov.iov_len;
    stats_.tx_packets += ok;
    if (ok < n) return slots_[ok].index;  // socket buffer full: the caller decides
    next += want;
  }
  return next;
}

}  // namespace vigil::net
