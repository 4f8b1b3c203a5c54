#include "drivers/net/udp_encap.hpp"

#include <cstring>

namespace vigil::net {
namespace {

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint8_t kIpProtoUdp = 17;

uint16_t load_be16(const uint8_t* p) {
  return uint16_t(p[0] << 8 | p[1]);
}
uint32_t load_be32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}
void store_be16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v >> 8);
  p[1] = uint8_t(v);
}
void store_be32(uint8_t* p, uint32_t v) {
  store_be16(p, uint16_t(v >> 16));
  store_be16(p + 2, uint16_t(v));
}

uint16_t ipv4_checksum(const uint8_t* hdr, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += load_be16(hdr + i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return uint16_t(~sum);
}

}  // namespace

bool parse_udp_encap(std::span<const uint8_t> frame, Packet& pkt) {
  if (frame.size() < kEncapLen) return false;
  const uint8_t* eth = frame.data();
  if (load_be16(eth + 12) != kEtherTypeIpv4) return false;
  const uint8_t* ip = eth + kEthHdrLen;
  const size_t ihl = size_t(ip[0] & 0x0f) * 4;
  if ((ip[0] >> 4) != 4 || ihl < kIpv4HdrLen) return false;
  if (ip[9] != kIpProtoUdp) return false;
  // More-fragments set or a fragment offset: a piece of a larger datagram.
  if ((load_be16(ip + 6) & 0x3fff) != 0) return false;
  const size_t ip_total = load_be16(ip + 2);
  if (ip_total < ihl + kUdpHdrLen || kEthHdrLen + ip_total > frame.size()) return false;
  const uint8_t* udp = ip + ihl;
  const size_t udp_len = load_be16(udp + 4);
  if (udp_len < kUdpHdrLen || udp_len > ip_total - ihl) return false;
  pkt.data = udp + kUdpHdrLen;
  pkt.len = uint32_t(udp_len - kUdpHdrLen);
  pkt.src_addr = load_be32(ip + 12);
  pkt.src_port = load_be16(udp);
  pkt.dst_port = load_be16(udp + 2);
  return true;
}

size_t write_udp_encap(const OutPacket& pkt, std::span<uint8_t> out) {
  const size_t total = kEncapLen + pkt.payload.size();
  if (total > out.size() || kIpv4HdrLen + kUdpHdrLen + pkt.payload.size() > 0xffff) return 0;
  uint8_t* eth = out.data();
  // Locally administered unicast MACs: the port does not resolve neighbours.
  static constexpr uint8_t kDstMac[6] = {0x02, 0, 0, 0, 0, 0x02};
  static constexpr uint8_t kSrcMac[6] = {0x02, 0, 0, 0, 0, 0x01};
  std::memcpy(eth, kDstMac, 6);
  std::memcpy(eth + 6, kSrcMac, 6);
  store_be16(eth + 12, kEtherTypeIpv4);
  uint8_t* ip = eth + kEthHdrLen;
  ip[0] = 0x45;
  ip[1] = 0;
  store_be16(ip + 2, uint16_t(kIpv4HdrLen + kUdpHdrLen + pkt.payload.size()));
  store_be16(ip + 4, 0);       // identification
  store_be16(ip + 6, 0x4000);  // don't fragment
  ip[8] = 64;                  // TTL
  ip[9] = kIpProtoUdp;
  store_be16(ip + 10, 0);
  store_be32(ip + 12, pkt.src_addr);
  store_be32(ip + 16, pkt.dst_addr);
  store_be16(ip + 10, ipv4_checksum(ip, kIpv4HdrLen));
  uint8_t* udp = ip + kIpv4HdrLen;
  store_be16(udp, pkt.src_port);
  store_be16(udp + 2, pkt.dst_port);
  store_be16(udp + 4, uint16_t(kUdpHdrLen + pkt.payload.size()));
  store_be16(udp + 6, 0);  // no UDP checksum (allowed for IPv4)
  if (!pkt.payload.empty()) std::memcpy(udp + kUdpHdrLen, pkt.payload.data(), pkt.payload.size());
  return total;
}

}  // namespace vigil::net
