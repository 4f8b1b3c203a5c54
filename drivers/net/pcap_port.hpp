// PcapPort: capture files as a packet port, for tests and benchmarks.
// Replay (rx) loads the whole capture at open and hands out views into it,
// either as fast as the caller polls or at the pace the time stamps record;
// writing (tx) appends Ethernet/IPv4/UDP records with the packets' time
// stamps (nanosecond pcap, readable by tcpdump and DPDK's net_pcap).
//
// Promise: no allocation after open(); records that are not IPv4/UDP are
// skipped and counted (rx_not_udp); views stay valid until the port closes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "drivers/net/packet_port.hpp"

struct pcap;
struct pcap_dumper;

namespace vigil::net {

enum class ReplayPace : uint8_t {
  full_speed,  // every record as soon as it is asked for
  recorded,    // a record becomes available once its recorded offset has passed
};

struct PcapConfig {
  std::string read_path;   // replay this capture (empty: no rx)
  std::string write_path;  // write tx packets here (empty: no tx)
  ReplayPace pace = ReplayPace::full_speed;
  uint64_t loops = 1;  // times to replay the capture; 0 = forever
  size_t max_bytes = size_t(1) << 30;
  // The clock for recorded pacing (nanoseconds); steady_clock when empty.
  std::function<uint64_t()> clock_ns;
};

class PcapPort final : public PacketPort {
 public:
  static std::unique_ptr<PcapPort> open(const PcapConfig& config, std::string& error);
  ~PcapPort() override;
  PcapPort(const PcapPort&) = delete;
  PcapPort& operator=(const PcapPort&) = delete;

  size_t rx_burst(std::span<Packet> out) override;
  size_t tx_burst(std::span<const OutPacket> pkts) override;
  PortStats stats() override { return stats_; }
  std::string name() const override { return "pcap"; }

  // True once every loop of the capture has been handed out.
  bool replay_done() const;
  // Records in the loaded capture that carry a UDP datagram.
  size_t record_count() const { return records_.size(); }
  // Flushes written records to the file.
  void flush();

 private:
  void prefetch_record(size_t i) const;  // starts loading record i mod count
  struct Record {
    uint64_t offset;  // into bytes_
    uint64_t ts_ns;
    Packet pkt;
  };
  PcapPort() = default;
  bool load(const PcapConfig& config, std::string& error);

  PcapConfig config_;
  std::vector<uint8_t> bytes_;
  std::vector<Record> records_;
  size_t next_ = 0;
  uint64_t loop_ = 0;
  uint64_t loop_start_ns_ = 0;
  bool started_ = false;
  pcap* dead_ = nullptr;
  pcap_dumper* dumper_ = nullptr;
  uint64_t last_tx_ts_ = 0;
  std::vector<uint8_t> tx_buf_;
  PortStats stats_;
};

}  // namespace vigil::net
