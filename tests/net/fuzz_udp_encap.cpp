// libFuzzer target: the Ethernet/IPv4/UDP parser never reads outside its
// input, and what it accepts lies inside it and re-encodes to a packet it
// accepts again with the same payload and addresses.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "drivers/net/udp_encap.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> in(data, data + size);
  vigil::net::Packet p;
  if (!vigil::net::parse_udp_encap(in, p)) return 0;
  if (p.data < in.data() || p.data + p.len > in.data() + in.size()) std::abort();
  std::vector<uint8_t> out(vigil::net::kEncapLen + p.len);
  const vigil::net::OutPacket o{{p.data, p.len}, p.src_addr, p.src_port, 0x0a000001, p.dst_port, 0};
  if (vigil::net::write_udp_encap(o, out) != out.size()) std::abort();
  vigil::net::Packet q;
  if (!vigil::net::parse_udp_encap(out, q)) std::abort();
  if (q.len != p.len || q.src_addr != p.src_addr || q.src_port != p.src_port ||
      q.dst_port != p.dst_port || std::memcmp(q.data, p.data, p.len) != 0)
    std::abort();
  return 0;
}
