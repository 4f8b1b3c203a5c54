#include "host/doctor/deploy_config.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "host/doctor/sysfs.hpp"

namespace vigil::doctor {
namespace {

bool is_pci_address(std::string_view s) {
  // [DDDD:]BB:DD.F, optionally with EAL device arguments after a comma.
  s = s.substr(0, s.find(','));
  const std::string_view digits = "0123456789abcdefABCDEF";
  auto hex = [&](std::string_view part) {
    return !part.empty() && part.find_first_not_of(digits) == std::string_view::npos;
  };
  const size_t dot = s.rfind('.');
  const size_t c2 = s.rfind(':');
  if (dot == std::string_view::npos || c2 == std::string_view::npos || c2 > dot) return false;
  const size_t c1 = s.rfind(':', c2 - 1);
  const std::string_view bus =
      c1 == std::string_view::npos ? s.substr(0, c2) : s.substr(c1 + 1, c2 - c1 - 1);
  return hex(s.substr(dot + 1)) && hex(s.substr(c2 + 1, dot - c2 - 1)) && hex(bus) &&
         (c1 == std::string_view::npos || hex(s.substr(0, c1)));
}

std::string full_pci(std::string_view s) {
  s = s.substr(0, s.find(','));
  return std::count(s.begin(), s.end(), ':') == 1 ? "0000:" + std::string(s) : std::string(s);
}

}  // namespace

std::optional<HostPort> parse_host_port(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return std::nullopt;  // a bare IPv6 address needs brackets
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value == 0 ||
      value > 65535) {
    return std::nullopt;
  }
  return HostPort{std::string(host), static_cast<uint16_t>(value)};
}

std::optional<DeployConfig> read_deploy_config(const std::string& file, std::string* error) {
  const auto text = read_text(file);
  if (!text) {
    if (error) *error = file + ": cannot read: " + std::strerror(errno);
    return std::nullopt;
  }
  return parse_deploy_config(*text, file, error);
}

std::optional<DeployConfig> parse_deploy_config(std::string_view text, const std::string& file,
                                                std::string* error) {
  auto fail = [&](const std::string& msg) -> std::optional<DeployConfig> {
    if (error) *error = file + ": " + msg;
    return std::nullopt;
  };
  toml::table doc;
  try {  // toml++ reports syntax errors by exception; none leaves this function
    doc = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    return fail("line " + std::to_string(e.source().begin.line) + ": " +
                std::string(e.description()));
  }
  DeployConfig c;
  c.file = file;
  const std::filesystem::path folder = std::filesystem::path(file).parent_path();
  auto path_key = [&](const char* key, std::filesystem::path& out) {
    const toml::node* n = doc.get(key);
    if (!n) return true;
    const auto s = n->value_exact<std::string>();
    if (!s || s->empty()) return false;
    out = std::filesystem::path(*s).is_absolute() ? std::filesystem::path(*s) : folder / *s;
    return true;
  };
  if (!path_key("data_dir", c.data_dir)) return fail("data_dir: a path string is expected");
  if (!path_key("key_file", c.key_file)) return fail("key_file: a path string is expected");

  if (const toml::node* n = doc.get("idle")) {
    const auto mode = affinity::parse_wait_mode(n->value_exact<std::string>().value_or(""));
    if (!mode) return fail("idle: \"adaptive\" or \"busy\" is expected");
    c.idle = *mode;
  }
  if (const toml::table* listen = doc["listen"].as_table()) {
    for (const char* name : {"p2p", "udp", "http"}) {
      const toml::node* n = listen->get(name);
      if (!n) continue;
      const auto s = n->value_exact<std::string>();
      if (!s || !parse_host_port(*s)) {
        return fail(std::string("listen.") + name + ": \"HOST:PORT\" is expected");
      }
      c.listen.push_back({name, *s, std::string_view(name) == "udp"});
    }
  }
  if (const toml::table* packet = doc["packet"].as_table()) {
    if (const toml::node* n = packet->get("port")) {
      const auto s = n->value_exact<std::string>();
      if (!s || (*s != "udp" && *s != "dpdk" && *s != "pcap")) {
        return fail("packet.port: \"udp\", \"dpdk\" or \"pcap\" is expected");
      }
      c.packet_port = *s;
    }
    if (const toml::array* eal = packet->get_as<toml::array>("eal_args")) {
      // DPDK's allow-list flags: -a PCI, --allow PCI, --allow=PCI (and the old -w).
      bool next_is_device = false;
      for (const auto& a : *eal) {
        const std::string arg = a.value_exact<std::string>().value_or("");
        std::string device;
        if (next_is_device) {
          device = arg;
        } else if (arg.rfind("--allow=", 0) == 0) {
          device = arg.substr(8);
        } else if (arg.rfind("-a", 0) == 0 && arg.size() > 2) {
          device = arg.substr(2);
        }
        next_is_device = arg == "-a" || arg == "--allow" || arg == "-w";
        if (!device.empty() && is_pci_address(device)) c.nics.push_back(full_pci(device));
      }
    }
  }
  if (const toml::table* tiles = doc["tiles"].as_table()) c.tiles = *tiles;
  return c;
}

}  // namespace vigil::doctor
