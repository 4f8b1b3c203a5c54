// The keys of vigild's config (host/config owns the full schema) that
// deployment reads: where the data and the key live, what it listens on,
// the packet port and its NICs, and how tiles are pinned. Unknown keys are
// vigild's business and are ignored here.
#pragma once

#include <toml++/toml.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "host/affinity/tile_plan.hpp"

namespace vigil::doctor {

struct ListenAddress {
  std::string name;     // "p2p", "udp", "http"
  std::string address;  // "HOST:PORT" as written
  bool udp = false;
};

struct DeployConfig {
  std::string file;  // the path it was read from, "" for defaults
  std::filesystem::path data_dir = "/var/lib/vigil";
  std::filesystem::path key_file;  // empty when the config names none
  std::vector<ListenAddress> listen;
  std::string packet_port = "udp";  // udp | dpdk | pcap
  std::vector<std::string> nics;    // PCI addresses from the DPDK EAL args (-a / --allow)
  affinity::WaitMode idle = affinity::WaitMode::adaptive;
  toml::table tiles;  // the [tiles] table, empty when absent
};

inline constexpr const char* kDefaultConfigFile = "/etc/vigil/vigil.toml";

// Reads `file`. Relative paths resolve against its folder, as vigild does.
// A key of the wrong type returns nullopt and one line naming key and file.
std::optional<DeployConfig> read_deploy_config(const std::string& file, std::string* error);
// The same from text; `file` names it in errors and anchors relative paths.
std::optional<DeployConfig> parse_deploy_config(std::string_view text, const std::string& file,
                                                std::string* error);

// "HOST:PORT" or "[V6]:PORT" split; nullopt when malformed or port is not 1-65535.
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
std::optional<HostPort> parse_host_port(std::string_view text);

}  // namespace vigil::doctor
