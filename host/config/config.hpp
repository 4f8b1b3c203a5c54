// vigild's configuration: one TOML file (toml++), checked whole before
// anything starts. Every bad, missing or unknown key gives one error line
// that names the key and the file; load() collects them all.
//
//   data_dir = "data"                 relative paths are relative to the file
//   key_file = "validator.key"        one `vigil keygen` line
//   genesis_file = "../genesis.json"
//   log_level = "info"                trace debug info warn error critical off
//   idle = "adaptive"                 adaptive (spin, then sleep) | busy
//   engine = "auto"                   an Accelerator spec (drivers/accel)
//   rules = "zip215"                  zip215 | strict
//   [listen]  p2p, udp, http          "HOST:PORT" each
//   [packet]  port = "udp"|"dpdk"|"pcap", eal_args = [...], device = "..." (dpdk:
//             default the first -a/--vdev of eal_args), pcap_file = "..." (pcap:
//             replayed once)
//   [batch]   size, deadline_us
//   [queues]  verified, mempool, consensus_events, peer_send
//   [limits]  source_rate, source_burst, key_rate, key_burst
//   [consensus] round_timeout_ms, block_max_txs, log_every
//   [ledger]  write_buffer_mb, block_cache_mb, page_cache_entries,
//             account_cache_entries (memory bounds)
//   [peers]   "<64 hex key>" = "IP:PORT"   the address book beside the genesis
//             file's: where to dial validators that governance adds
//   [tiles]   net = 2, verify = [3, 4], consensus = 5   cores (host/affinity);
//             checked against this machine; two tiles on one core are refused
//             when idle = "busy"
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "host/affinity/tile_pin.hpp"

namespace vigil::config {

enum class Idle : uint8_t { adaptive, busy };
enum class PortKind : uint8_t { udp, dpdk, pcap };

struct Config {
  std::string file;  // the path it was read from
  std::string data_dir, key_file, genesis_file;
  std::string log_level = "info";
  Idle idle = Idle::adaptive;
  std::string engine = "auto";
  std::string rules = "zip215";
  std::string listen_p2p, listen_udp, listen_http;
  PortKind port = PortKind::udp;
  std::vector<std::string> eal_args;
  std::string pcap_file;
  std::string dpdk_device;  // ethdev name; empty: the first eal_args names (dpdk_device())
  uint32_t batch_size = 1024;
  uint64_t batch_deadline_us = 1000;
  uint32_t queue_verified = 1 << 14;
  uint32_t queue_mempool = 1 << 15;
  uint32_t queue_consensus_events = 1 << 14;
  uint32_t queue_peer_send = 4096;
  uint64_t source_rate = 200000, source_burst = 20000;
  uint64_t key_rate = 20000, key_burst = 2000;
  uint64_t round_timeout_ms = 1000;
  uint32_t block_max_txs = 4096;
  uint64_t log_every = 100;
  // RocksDB's memory (host/ledger LedgerOptions): memtables of one column
  // family (all of them together: 4x), the block cache, the state tree's
  // pages (at most 15 nodes, about 1 KiB each) and the latest accounts.
  uint32_t ledger_write_buffer_mb = 8;
  uint32_t ledger_block_cache_mb = 16;
  uint32_t ledger_page_cache_entries = 1 << 15;
  uint32_t ledger_account_cache_entries = 1 << 16;
  affinity::TilePlan tiles;  // empty: the kernel places every tile
  // [peers]: validator key -> "IP:PORT", in key order.
  std::vector<std::pair<std::array<uint8_t, 32>, std::string>> peers;
};

// The ethdev a dpdk port opens: packet.device, else the first device the
// EAL arguments name (-a/--allow PCI address, --vdev name), without its
// options; "" when none.
std::string dpdk_device(const Config& c);

// Reads and checks `path`; false with one line per problem in *errors.
bool load(const std::string& path, Config* out, std::vector<std::string>* errors);
// The same from text (`path` names it in the errors; relative paths resolve
// against its folder).
bool parse(const std::string& text, const std::string& path, Config* out,
           std::vector<std::string>* errors);

}  // namespace vigil::config
