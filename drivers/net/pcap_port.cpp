#include "drivers/net/pcap_port.hpp"

#include <pcap/pcap.h>

#include <chrono>

#include "drivers/net/udp_encap.hpp"

namespace vigil::net {

namespace {
uint64_t steady_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}
}  // namespace

std::unique_ptr<PcapPort> PcapPort::open(const PcapConfig& config, std::string& error) {
  std::unique_ptr<PcapPort> port(new PcapPort());
  port->config_ = config;
  if (!port->config_.clock_ns) port->config_.clock_ns = steady_ns;
  if (!config.read_path.empty() && !port->load(config, error)) return nullptr;
  if (!config.write_path.empty()) {
    port->dead_ =
        pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
    if (!port->dead_) {
      error = "pcap: pcap_open_dead failed";
      return nullptr;
    }
    port->dumper_ = pcap_dump_open(port->dead_, config.write_path.c_str());
    if (!port->dumper_) {
      error = "pcap: " + config.write_path + ": " + pcap_geterr(port->dead_);
      return nullptr;
    }
    port->tx_buf_.resize(kEncapLen + kMaxPayload);
  }
  return port;
}

bool PcapPort::load(const PcapConfig& config, std::string& error) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap* p = pcap_open_offline_with_tstamp_precision(config.read_path.c_str(),
                                                    PCAP_TSTAMP_PRECISION_NANO, errbuf);
  if (!p) {
    error = std::string("pcap: ") + errbuf;
    return false;
  }
  if (pcap_datalink(p) != DLT_EN10MB) {
    error = "pcap: " + config.read_path + ": not an Ethernet capture";
    pcap_close(p);
    return false;
  }
  pcap_pkthdr* hdr;
  const u_char* data;
  int rc;
  std::vector<std::pair<uint64_t, uint64_t>> spans;  // (offset, ts) per record
  std::vector<uint32_t> lens;
  while ((rc = pcap_next_ex(p, &hdr, &data)) == 1) {
    if (bytes_.size() + hdr->caplen > config.max_bytes) {
      error = "pcap: " + config.read_path + ": larger than max_bytes";
      pcap_close(p);
      return false;
    }
    const uint64_t ts = uint64_t(hdr->ts.tv_sec) * 1000000000ull + uint64_t(hdr->ts.tv_usec);
    spans.emplace_back(bytes_.size(), ts);
    lens.push_back(hdr->caplen);
    bytes_.insert(bytes_.end(), data, data + hdr->caplen);
  }
  if (rc == PCAP_ERROR) {
    error = std::string("pcap: ") + pcap_geterr(p);
    pcap_close(p);
    return false;
  }
  pcap_close(p);
  // Views are made once the byte store no longer moves.
  records_.reserve(spans.size());
  for (size_t i = 0; i < spans.size(); ++i) {
    Record r{spans[i].first, spans[i].second, {}};
    if (!parse_udp_encap({bytes_.data() + r.offset, lens[i]}, r.pkt)) {
      ++stats_.rx_not_udp;
      continue;
    }
    if (r.pkt.len > kMaxPayload) {
      ++stats_.rx_truncated;
      continue;
    }
    r.pkt.timestamp_ns = r.ts_ns;
    records_.push_back(r);
  }
  return true;
}

PcapPort::~PcapPort() {
  if (dumper_) pcap_dump_close(dumper_);
  if (dead_) pcap_close(dead_);
}

bool PcapPort::replay_done() const {
  return records_.empty() || (config_.loops != 0 && loop_ >= config_.loops);
}

void PcapPort::prefetch_record(size_t i) const {
  // A burst ahead, as a NIC's DMA would have put it in cache: the replayed
  // bytes stream from memory, and whoever reads them first (ingest's token
  // check) would otherwise wait on every line.
  if (i >= records_.size()) i %= records_.size();
  const Packet& p = records_[i].pkt;
  const uint8_t* end = p.data + p.len;
  for (const uint8_t* a = p.data; a < end; a += 64) __builtin_prefetch(a);
  if (p.len) __builtin_prefetch(end - 1);  // the line the last byte starts, when unaligned
}

size_t PcapPort::rx_burst(std::span<Packet> out) {
  if (replay_done() || out.empty()) return 0;
  uint64_t elapsed = 0;
  if (config_.pace == ReplayPace::recorded) {
    const uint64_t now = config_.clock_ns();
    if (!started_) {
      loop_start_ns_ = now;
      started_ = true;
    }
    elapsed = now - loop_start_ns_;
  }
  const uint64_t first_ts = records_.front().ts_ns;
  size_t n = 0;
  while (n < out.size() && !replay_done()) {
    const Record& r = records_[next_];
    // A record stamped before the first one is due at once (no wrap-around).
    const uint64_t due = r.ts_ns > first_ts ? r.ts_ns - first_ts : 0;
    if (config_.pace == ReplayPace::recorded && due > elapsed) break;
    prefetch_record(next_ + out.size());
    out[n++] = r.pkt;
    stats_.rx_bytes += r.pkt.len;
    if (++next_ == records_.size()) {
      next_ = 0;
      ++loop_;
      // The next loop starts from now, paced like the first.
      if (config_.pace == ReplayPace::recorded) {
        loop_start_ns_ = config_.clock_ns();
        break;
      }
    }
  }
  stats_.rx_packets += n;
  if (n) ++stats_.rx_bursts;
  return n;
}

size_t PcapPort::tx_burst(std::span<const OutPacket> pkts) {
  if (!dumper_) {
    stats_.tx_dropped += pkts.size();
    return pkts.size();
  }
  for (const OutPacket& p : pkts) {
    const size_t len = write_udp_encap(p, tx_buf_);
    if (len == 0) {
      ++stats_.tx_dropped;
      continue;
    }
    // Time stamps never run backwards in the file; 0 means "just after the last".
    uint64_t ts = p.timestamp_ns ? p.timestamp_ns : last_tx_ts_ + 1000;
    if (ts < last_tx_ts_) ts = last_tx_ts_;
    last_tx_ts_ = ts;
    pcap_pkthdr hdr{};
    hdr.ts.tv_sec = time_t(ts / 1000000000ull);
    hdr.ts.tv_usec = suseconds_t(ts % 1000000000ull);  // nanoseconds in a NANO file
    hdr.caplen = hdr.len = uint32_t(len);
    pcap_dump(reinterpret_cast<u_char*>(dumper_), &hdr, tx_buf_.data());
    ++stats_.tx_packets;
    stats_.tx_bytes += p.payload.size();
  }
  return pkts.size();
}

void PcapPort::flush() {
  if (dumper_) pcap_dump_flush(dumper_);
}

}  // namespace vigil::net
