#include "drivers/net/dpdk_port.hpp"

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "drivers/net/udp_encap.hpp"

namespace vigil::net {

namespace {
std::mutex eal_mutex;
int eal_state = 0;  // 0 not tried, 1 up, -1 failed
std::string eal_error;
std::atomic<unsigned> pool_serial{0};
}  // namespace

bool dpdk_eal_init(std::span<const std::string> args, std::string& error) {
  std::lock_guard lock(eal_mutex);
  if (eal_state == 0) {
    std::vector<std::string> owned{"vigil"};
    owned.insert(owned.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : owned) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = rte_eal_init(int(owned.size()), argv.data());
    if (rc < 0) {
      eal_state = -1;
      eal_error = std::string("dpdk: rte_eal_init failed: ") + rte_strerror(rte_errno);
    } else {
      eal_state = 1;
    }
  }
  if (eal_state < 0) error = eal_error;
  return eal_state > 0;
}

bool dpdk_attach_vdev(const std::string& name, const std::string& args, std::string& error) {
  {
    std::lock_guard lock(eal_mutex);
    if (eal_state != 1) {
      error = "dpdk: EAL is not initialised";
      return false;
    }
  }
  const int rc = rte_vdev_init(name.c_str(), args.c_str());
  if (rc != 0) {
    error = "dpdk: rte_vdev_init(" + name + "): " + rte_strerror(-rc);
    return false;
  }
  return true;
}

std::vector<std::string> dpdk_test_eal_args() {
  return {"--no-huge",        "-m", "512", "--no-pci",    "--vdev=net_ring0",
          "--vdev=net_null0", "-l", "0",   "--no-shconf", "--log-level=error"};
}

std::unique_ptr<DpdkPort> DpdkPort::open(const DpdkConfig& config, std::string& error) {
  {
    std::lock_guard lock(eal_mutex);
    if (eal_state != 1) {
      error = "dpdk: EAL is not initialised";
      return nullptr;
    }
  }
  std::unique_ptr<DpdkPort> port(new DpdkPort());
  port->config_ = config;
  if (rte_eth_dev_get_port_by_name(config.device.c_str(), &port->port_id_) != 0) {
    error = "dpdk: no ethdev named " + config.device;
    return nullptr;
  }
  const std::string pool_name = "vigil_rx" + std::to_string(pool_serial.fetch_add(1));
  port->pool_ = rte_pktmbuf_pool_create(pool_name.c_str(), config.mbufs, config.mbuf_cache, 0,
                                        config.data_room, int(rte_socket_id()));
  if (!port->pool_) {
    error = std::string("dpdk: mbuf pool: ") + rte_strerror(rte_errno);
    return nullptr;
  }
  rte_eth_conf conf{};
  int rc = rte_eth_dev_configure(port->port_id_, 1, 1, &conf);
  if (rc == 0)
    rc = rte_eth_rx_queue_setup(port->port_id_, 0, config.rx_desc,
                                unsigned(rte_eth_dev_socket_id(port->port_id_)), nullptr,
                                port->pool_);
  if (rc == 0)
    rc = rte_eth_tx_queue_setup(port->port_id_, 0, config.tx_desc,
                                unsigned(rte_eth_dev_socket_id(port->port_id_)), nullptr);
  if (rc == 0) rc = rte_eth_dev_start(port->port_id_);
  if (rc != 0) {
    error = "dpdk: " + config.device + ": configure/start failed: " + rte_strerror(-rc);
    return nullptr;
  }
  port->started_ = true;
  rte_eth_stats_reset(port->port_id_);
  return port;
}

DpdkPort::~DpdkPort() {
  release_held();
  if (started_) {
    // Drain what is still queued for us (net_ring keeps packets across
    // opens) so every mbuf of this pool is home before the pool is freed.
    // Bounded: a device that makes packets (net_null) never runs dry, and
    // none of its packets can hold more mbufs than the pool has.
    rte_mbuf* burst[kBurst];
    for (uint64_t drained = 0, idle = 0; idle < 4 && drained <= config_.mbufs;) {
      const uint16_t n = rte_eth_rx_burst(port_id_, 0, burst, kBurst);
      idle = n ? 0 : idle + 1;
      drained += n;
      if (n) rte_pktmbuf_free_bulk(burst, n);
    }
    rte_eth_dev_stop(port_id_);
  }
  if (pool_) rte_mempool_free(pool_);
}

void DpdkPort::release_held() {
  if (held_count_) rte_pktmbuf_free_bulk(held_.data(), held_count_);
  held_count_ = 0;
}

size_t DpdkPort::rx_burst(std::span<Packet> out) {
  release_held();
  const uint16_t want = uint16_t(std::min(out.size(), kBurst));
  if (want == 0) return 0;
  rte_mbuf* burst[kBurst];
  const uint16_t got = rte_eth_rx_burst(port_id_, 0, burst, want);
  // Start every packet's lines on their way before the first is parsed:
  // the caller reads each datagram whole (CRC) right after this returns.
  for (uint16_t i = 0; i < got; ++i) {
    const uint8_t* d = rte_pktmbuf_mtod(burst[i], const uint8_t*);
    for (uint32_t off = 0; off < burst[i]->data_len; off += 64) rte_prefetch0(d + off);
  }
  size_t n = 0;
  for (uint16_t i = 0; i < got; ++i) {
    rte_mbuf* m = burst[i];
    Packet& p = out[n];
    if (m->nb_segs != 1) {
      ++stats_.rx_truncated;
      rte_pktmbuf_free(m);
      continue;
    }
    if (!parse_udp_encap({rte_pktmbuf_mtod(m, const uint8_t*), m->data_len}, p)) {
      ++stats_.rx_not_udp;
      rte_pktmbuf_free(m);
      continue;
    }
    p.timestamp_ns = 0;
    stats_.rx_bytes += p.len;
    held_[held_count_++] = m;
    ++n;
  }
  stats_.rx_packets += n;
  if (n) ++stats_.rx_bursts;
  return n;
}

size_t DpdkPort::tx_burst(std::span<const OutPacket> pkts) {
  size_t done = 0;
  while (done < pkts.size()) {
    const uint16_t want = uint16_t(std::min(pkts.size() - done, kBurst));
    rte_mbuf* burst[kBurst];
    size_t index[kBurst];  // which packet each filled mbuf carries
    if (rte_pktmbuf_alloc_bulk(pool_, burst, want) != 0) return done;  // pool empty
    uint16_t n = 0;
    for (uint16_t i = 0; i < want; ++i) {
      OutPacket p = pkts[done + i];
      if (!p.src_addr) p.src_addr = config_.src_addr;
      if (!p.dst_addr) p.dst_addr = config_.dst_addr;
      if (!p.src_port) p.src_port = config_.src_port;
      if (!p.dst_port) p.dst_port = config_.dst_port;
      rte_mbuf* m = burst[n];
      const size_t len =
          write_udp_encap(p, {rte_pktmbuf_mtod(m, uint8_t*), rte_pktmbuf_tailroom(m)});
      if (len == 0) {
        ++stats_.tx_dropped;  // larger than an mbuf: can never be sent
        continue;
      }
      m->data_len = uint16_t(len);
      m->pkt_len = uint32_t(len);
      index[n++] = done + i;
    }
    const uint16_t sent = rte_eth_tx_burst(port_id_, 0, burst, n);
    for (uint16_t i = 0; i < sent; ++i) stats_.tx_bytes += pkts[index[i]].payload.size();
    stats_.tx_packets += sent;
    // Unused and unsent mbufs go straight back to the pool: nothing leaks.
    if (want > sent) rte_pktmbuf_free_bulk(burst + sent, unsigned(want - sent));
    if (sent < n) return index[sent];  // queue full: the caller may retry from here
    done += want;
  }
  return done;
}

size_t DpdkPort::rx_raw(rte_mbuf** pkts, uint16_t n) {
  return rte_eth_rx_burst(port_id_, 0, pkts, n);
}

size_t DpdkPort::tx_raw(rte_mbuf** pkts, uint16_t n) {
  return rte_eth_tx_burst(port_id_, 0, pkts, n);
}

bool DpdkPort::preload(std::span<const OutPacket> pkts, std::string& error) {
  const size_t room = rte_pktmbuf_data_room_size(pool_) - RTE_PKTMBUF_HEADROOM;
  std::vector<uint8_t> frame(room);
  if (preload_off_.empty()) preload_off_.push_back(0);
  for (OutPacket p : pkts) {
    if (!p.src_addr) p.src_addr = config_.src_addr;
    if (!p.dst_addr) p.dst_addr = config_.dst_addr;
    if (!p.src_port) p.src_port = config_.src_port;
    if (!p.dst_port) p.dst_port = config_.dst_port;
    const size_t len = write_udp_encap(p, frame);
    if (len == 0) {
      error = "dpdk: preload: packet larger than an mbuf";
      return false;
    }
    preload_bytes_.insert(preload_bytes_.end(), frame.begin(), frame.begin() + ptrdiff_t(len));
    preload_off_.push_back(preload_bytes_.size());
  }
  return true;
}

size_t DpdkPort::inject(size_t n) {
  const size_t count = preloaded();
  if (count == 0) return 0;
  size_t sent = 0;
  while (sent < n) {
    const uint16_t want = uint16_t(std::min(n - sent, kBurst));
    rte_mbuf* burst[kBurst];
    if (rte_pktmbuf_alloc_bulk(pool_, burst, want) != 0) break;
    size_t next = inject_next_;
    for (uint16_t i = 0; i < want; ++i) {
      const size_t len = preload_off_[next + 1] - preload_off_[next];
      rte_memcpy(rte_pktmbuf_mtod(burst[i], uint8_t*), &preload_bytes_[preload_off_[next]], len);
      burst[i]->data_len = uint16_t(len);
      burst[i]->pkt_len = uint32_t(len);
      if (++next == count) next = 0;
    }
    const uint16_t ok = rte_eth_tx_burst(port_id_, 0, burst, want);
    if (ok < want) rte_pktmbuf_free_bulk(burst + ok, unsigned(want - ok));
    inject_next_ = (inject_next_ + ok) % count;  // unsent ones go first next time
    stats_.tx_packets += ok;
    sent += ok;
    if (ok < want) break;
  }
  return sent;
}

size_t DpdkPort::loopback_burst() {
  inject(kBurst);
  rte_mbuf* burst[kBurst];
  const uint16_t n = rte_eth_rx_burst(port_id_, 0, burst, kBurst);
  if (n) rte_pktmbuf_free_bulk(burst, n);
  return n;
}

unsigned DpdkPort::pool_available() const {
  return rte_mempool_avail_count(pool_);
}

DpdkQueueStats DpdkPort::queue_stats() const {
  DpdkQueueStats q;
  rte_eth_stats es{};
  if (rte_eth_stats_get(port_id_, &es) != 0) return q;
  q = {es.ipackets,    es.opackets,    es.ibytes,     es.obytes,        es.imissed,
       es.ierrors,     es.oerrors,     es.rx_nombuf,  es.q_ipackets[0], es.q_opackets[0],
       es.q_ibytes[0], es.q_obytes[0], es.q_errors[0]};
  return q;
}

PortStats DpdkPort::stats() {
  PortStats s = stats_;
  rte_eth_stats es{};
  if (rte_eth_stats_get(port_id_, &es) == 0) {
    s.rx_missed = es.imissed + es.rx_nombuf;
    s.rx_errors = es.ierrors;
    s.tx_dropped += es.oerrors;
  }
  s.buffers_in_use = held_count_;
  return s;
}

}  // namespace vigil::net
