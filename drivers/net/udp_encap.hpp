// Ethernet II + IPv4 + UDP framing for the ports that see whole packets
// (DPDK, capture files). Pure functions, no allocation.
//
// Promise: parse_udp_encap accepts only an untagged Ethernet frame carrying
// an unfragmented IPv4 UDP datagram whose lengths agree with the bytes
// present; it never reads outside `frame`. write_udp_encap writes a packet
// that parse_udp_encap accepts (IPv4 header checksum set, UDP checksum 0).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/net/packet_port.hpp"

namespace vigil::net {

inline constexpr size_t kEthHdrLen = 14;
inline constexpr size_t kIpv4HdrLen = 20;
inline constexpr size_t kUdpHdrLen = 8;
inline constexpr size_t kEncapLen = kEthHdrLen + kIpv4HdrLen + kUdpHdrLen;

// Fills `pkt` (data, len, addresses) from a whole Ethernet frame; data
// points into `frame`. False when the frame is not IPv4/UDP or inconsistent.
bool parse_udp_encap(std::span<const uint8_t> frame, Packet& pkt);

// Writes headers and payload into `out`; returns the bytes written, or 0
// when `out` is too small or the payload too large for one datagram.
size_t write_udp_encap(const OutPacket& pkt, std::span<uint8_t> out);

}  // namespace vigil::net
