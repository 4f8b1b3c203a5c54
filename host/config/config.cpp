#include "host/config/config.hpp"

#include <arpa/inet.h>
#include <toml++/toml.h>
#include <vigil/fi/consensus.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "host/affinity/tile_plan.hpp"
#include "host/crypto/sig_jsonl.hpp"
#include "host/p2p/network.hpp"

namespace vigil::config {
namespace {

namespace fs = std::filesystem;

struct Ctx {
  const std::string& file;
  std::vector<std::string>* errors;
  void error(const std::string& key, const std::string& what) const {
    errors->push_back(file + ": key '" + key + "': " + what);
  }
};

using Handler = std::function<void(const toml::node&, const std::string& key, const Ctx&)>;

Handler string_in(std::string* out, std::set<std::string> allowed) {
  return [out, allowed](const toml::node& n, const std::string& key, const Ctx& c) {
    const auto* s = n.as_string();
    if (!s) return c.error(key, "must be a string");
    if (!allowed.empty() && !allowed.count(s->get())) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return c.error(key, "'" + s->get() + "' is not one of " + list);
    }
    *out = s->get();
  };
}

Handler path(std::string* out, const fs::path& base) {
  return [out, base](const toml::node& n, const std::string& key, const Ctx& c) {
    const auto* s = n.as_string();
    if (!s || s->get().empty()) return c.error(key, "must be a non-empty string (a path)");
    const fs::path p(s->get());
    *out = (p.is_absolute() ? p : base / p).lexically_normal().string();
  };
}

bool numeric_ip(const std::string& host) {
  in_addr a4{};
  in6_addr a6{};
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

Handler address(std::string* out) {
  return [out](const toml::node& n, const std::string& key, const Ctx& c) {
    const auto* s = n.as_string();
    std::string host;
    uint16_t port = 0;
    if (!s || !p2p::split_host_port(s->get(), &host, &port))
      return c.error(key, "must be \"HOST:PORT\" with a port 1..65535");
    *out = s->get();
  };
}

template <typename T>
Handler integer(T* out, int64_t lo, int64_t hi) {
  return [out, lo, hi](const toml::node& n, const std::string& key, const Ctx& c) {
    const auto* v = n.as_integer();
    if (!v || v->get() < lo || v->get() > hi)
      return c.error(key,
                     "must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
    *out = T(v->get());
  };
}

Handler strings(std::vector<std::string>* out) {
  return [out](const toml::node& n, const std::string& key, const Ctx& c) {
    const auto* a = n.as_array();
    if (!a) return c.error(key, "must be an array of strings");
    out->clear();
    for (const auto& e : *a) {
      if (!e.is_string()) return c.error(key, "must be an array of strings");
      out->push_back(e.as_string()->get());
    }
  };
}

void walk(const toml::table& t, const std::string& prefix,
          const std::map<std::string, Handler>& spec, std::set<std::string>& seen, const Ctx& c) {
  for (const auto& [k, v] : t) {
    const std::string key = prefix + std::string(k.str());
    if (const auto* sub = v.as_table(); sub && !spec.count(key)) {
      bool known_table = false;
      for (const auto& [name, h] : spec) known_table |= name.rfind(key + ".", 0) == 0;
      if (!known_table) {
        c.error(key, "unknown table");
        continue;
      }
      walk(*sub, key + ".", spec, seen, c);
      continue;
    }
    auto it = spec.find(key);
    if (it == spec.end()) {
      c.error(key, "unknown key");
      continue;
    }
    seen.insert(key);
    it->second(v, key, c);
  }
}

// [peers]: each key a validator's public key (64 hex digits), each value
// the numeric "IP:PORT" it listens on for peers (dialed as given, never
// resolved).
void peers(const toml::table& t, Config& o, const Ctx& c) {
  for (const auto& [k, v] : t) {
    const std::string key = "peers." + std::string(k.str());
    std::vector<uint8_t> pk;
    if (!crypto::from_hex(std::string(k.str()), pk) || pk.size() != 32) {
      c.error(key, "the key must be a validator's public key (64 hex digits)");
      continue;
    }
    const auto* s = v.as_string();
    std::string host;
    uint16_t port = 0;
    if (!s || !p2p::split_host_port(s->get(), &host, &port) || !numeric_ip(host)) {
      c.error(key, "must be \"IP:PORT\" with a numeric address and a port 1..65535");
      continue;
    }
    std::array<uint8_t, 32> a;
    std::copy(pk.begin(), pk.end(), a.begin());
    o.peers.emplace_back(a, s->get());
  }
}

}  // namespace

bool parse(const std::string& text, const std::string& file, Config* out,
           std::vector<std::string>* errors) {
  const size_t before = errors->size();
  Ctx c{file, errors};
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    errors->push_back(file + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
                      ": not valid TOML: " + std::string(e.description()));
    return false;
  }
  Config& o = *out;
  o = Config{};
  o.file = file;
  const fs::path base = fs::absolute(fs::path(file)).parent_path();
  std::string idle = "adaptive", port = "udp";
  const std::map<std::string, Handler> spec = {
      {"data_dir", path(&o.data_dir, base)},
      {"key_file", path(&o.key_file, base)},
      {"genesis_file", path(&o.genesis_file, base)},
      {"log_level",
       string_in(&o.log_level, {"trace", "debug", "info", "warn", "error", "critical", "off"})},
      {"idle", string_in(&idle, {"adaptive", "busy"})},
      {"engine", string_in(&o.engine, {})},
      {"rules", string_in(&o.rules, {"zip215", "strict"})},
      {"listen.p2p", address(&o.listen_p2p)},
      {"listen.udp", address(&o.listen_udp)},
      {"listen.http", address(&o.listen_http)},
      {"packet.port", string_in(&port, {"udp", "dpdk", "pcap"})},
      {"packet.eal_args", strings(&o.eal_args)},
      {"packet.pcap_file", path(&o.pcap_file, base)},
      {"packet.device", string_in(&o.dpdk_device, {})},
      {"batch.size", integer(&o.batch_size, 1, 8192)},
      {"batch.deadline_us", integer(&o.batch_deadline_us, 1, 1'000'000)},
      {"queues.verified", integer(&o.queue_verified, 16, 1 << 24)},
      {"queues.mempool", integer(&o.queue_mempool, 16, 1 << 24)},
      {"queues.consensus_events", integer(&o.queue_consensus_events, 16, 1 << 20)},
      {"queues.peer_send", integer(&o.queue_peer_send, 16, 1 << 20)},
      {"limits.source_rate", integer(&o.source_rate, 1, 1'000'000'000)},
      {"limits.source_burst", integer(&o.source_burst, 1, 1'000'000'000)},
      {"limits.key_rate", integer(&o.key_rate, 1, 1'000'000'000)},
      {"limits.key_burst", integer(&o.key_burst, 1, 1'000'000'000)},
      {"consensus.round_timeout_ms", integer(&o.round_timeout_ms, 10, 600'000)},
      {"consensus.block_max_txs", integer(&o.block_max_txs, 1, VIGIL_BLOCK_MAX_TXS)},
      {"consensus.log_every", integer(&o.log_every, 1, 1'000'000)},
      {"ledger.write_buffer_mb", integer(&o.ledger_write_buffer_mb, 1, 1024)},
      {"ledger.block_cache_mb", integer(&o.ledger_block_cache_mb, 1, 65536)},
      {"ledger.page_cache_entries", integer(&o.ledger_page_cache_entries, 1024, 1 << 24)},
      {"ledger.account_cache_entries", integer(&o.ledger_account_cache_entries, 1024, 1 << 26)},
  };
  // [tiles] is checked whole by host/affinity, against this machine.
  std::optional<toml::table> tiles;
  if (const auto* t = root["tiles"].as_table()) tiles = *t;
  if (root.contains("tiles") && !tiles) c.error("tiles", "must be a table");
  root.erase("tiles");
  if (root.contains("peers") && !root["peers"].as_table()) c.error("peers", "must be a table");
  if (const auto* t = root["peers"].as_table()) peers(*t, o, c);
  root.erase("peers");
  std::set<std::string> seen;
  walk(root, "", spec, seen, c);
  for (const char* required :
       {"data_dir", "key_file", "genesis_file", "listen.p2p", "listen.udp", "listen.http"})
    if (!seen.count(required)) c.error(required, "missing (required)");
  o.idle = idle == "busy" ? Idle::busy : Idle::adaptive;
  if (tiles) {
    std::string why;
    const auto mode =
        o.idle == Idle::busy ? affinity::WaitMode::busy : affinity::WaitMode::adaptive;
    if (auto plan = affinity::plan_tiles(&*tiles, mode, affinity::read_topology(), file, &why)) {
      o.tiles = std::move(*plan);
    } else {
      errors->push_back(why);
    }
  }
  o.port = port == "dpdk" ? PortKind::dpdk : port == "pcap" ? PortKind::pcap : PortKind::udp;
  if (o.port == PortKind::pcap && o.pcap_file.empty())
    c.error("packet.pcap_file", "missing (required when packet.port is \"pcap\")");
  return errors->size() == before;
}

std::string dpdk_device(const Config& c) {
  if (!c.dpdk_device.empty()) return c.dpdk_device;
  for (size_t i = 0; i < c.eal_args.size(); ++i) {
    const std::string& a = c.eal_args[i];
    std::string dev;
    if ((a == "-a" || a == "--allow" || a == "--vdev") && i + 1 < c.eal_args.size())
      dev = c.eal_args[i + 1];
    for (const char* flag : {"--allow=", "--vdev=", "-a"})
      if (dev.empty() && a.size() > std::strlen(flag) && a.rfind(flag, 0) == 0)
        dev = a.substr(std::strlen(flag));
    if (!dev.empty()) return dev.substr(0, dev.find(','));  // the name, not its options
  }
  return "";
}

bool load(const std::string& file, Config* out, std::vector<std::string>* errors) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    errors->push_back(file + ": cannot read the configuration file");
    return false;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), file, out, errors);
}

}  // namespace vigil::config
