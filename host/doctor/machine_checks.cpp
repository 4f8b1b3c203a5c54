// Machine checks: CPU, memory, NICs, IOMMU, NUMA, clock, limits, sysctls.
#include <sys/resource.h>
#include <sys/timex.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "host/affinity/cpu_list.hpp"
#include "host/affinity/topology.hpp"
#include "host/doctor/checks.hpp"
#include "host/doctor/sysfs.hpp"

namespace vigil::doctor {
namespace {

Finding ok(std::string check, std::string detail) {
  return {std::move(check), Status::ok, std::move(detail), {}};
}
Finding warn(std::string check, std::string detail, std::string fix) {
  return {std::move(check), Status::warn, std::move(detail), std::move(fix)};
}
Finding fail(std::string check, std::string detail, std::string fix) {
  return {std::move(check), Status::fail, std::move(detail), std::move(fix)};
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// A /proc/meminfo field in its own unit (kB or a page count).
std::optional<uint64_t> meminfo(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream value(line.substr(key.size() + 1));
    uint64_t v = 0;
    if (value >> v) return v;
    return std::nullopt;
  }
  return std::nullopt;
}

std::string limit_text(rlim_t v) {
  return v == RLIM_INFINITY ? "unlimited" : std::to_string(v);
}

}  // namespace

Finding check_cpu_flags(const Root& root) {
  const auto text = read_text(under(root, "/proc/cpuinfo"));
  if (!text) return warn("cpu", "/proc/cpuinfo is unreadable", "mount /proc");
  std::string model = "unknown CPU";
  std::set<std::string> flags;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    key.erase(key.find_last_not_of(" \t") + 1);
    const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "model name" && model == "unknown CPU") model = value;
    if (key == "flags" && flags.empty()) {
      std::istringstream f(value);
      for (std::string flag; f >> flag;) flags.insert(flag);
    }
  }
  std::vector<std::string> have;
  for (const char* f :
       {"avx2", "bmi2", "adx", "avx512f", "avx512ifma", "avx512vbmi2", "sha_ni", "vaes", "gfni"}) {
    if (flags.count(f)) have.push_back(f);
  }
  const std::string detail = model + "; " + (have.empty() ? "no SIMD flags" : join(have, " "));
  if (!flags.count("avx2")) {
    return warn("cpu", detail + ": no AVX2, the CPU engine runs portable 64-bit code",
                "a CPU with AVX2 (or AVX-512 IFMA) verifies several times faster");
  }
  return ok("cpu", detail);
}

Finding check_hugepages(const Root& root, const DeployConfig& c) {
  const auto text = read_text(under(root, "/proc/meminfo"));
  if (!text) return warn("hugepages", "/proc/meminfo is unreadable", "mount /proc");
  const uint64_t total = meminfo(*text, "HugePages_Total").value_or(0);
  const uint64_t free = meminfo(*text, "HugePages_Free").value_or(0);
  const uint64_t size_kb = meminfo(*text, "Hugepagesize").value_or(0);
  const std::string detail = std::to_string(total) + " pages of " + std::to_string(size_kb) +
                             " kB (" + std::to_string(free) + " free)";
  const std::string fix =
      "vigil configure apply (sets vm.nr_hugepages=" + std::to_string(kHugepages) + ")";
  if (total >= kHugepages / 2) return ok("hugepages", detail);
  if (c.packet_port == "dpdk") {
    return fail("hugepages", detail + "; the DPDK packet port needs them", fix);
  }
  return warn("hugepages", detail + "; needed only for packet.port = \"dpdk\"", fix);
}

Finding check_nics(const Root& root, const DeployConfig& c) {
  std::vector<std::string> nics;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(under(root, "/sys/class/net"), ec)) {
    const auto dev = e.path() / "device";
    if (!std::filesystem::exists(dev)) continue;  // lo, bridges, ifb: no hardware
    std::string driver = link_name(dev / "driver");
    const auto node = read_i64(dev / "numa_node");
    std::string line = e.path().filename().string() + " (" + (driver.empty() ? "?" : driver);
    if (node && *node >= 0) line += ", node " + std::to_string(*node);
    nics.push_back(line + ")");
  }
  std::vector<std::string> vfio;
  for (const auto& e :
       std::filesystem::directory_iterator(under(root, "/sys/bus/pci/drivers/vfio-pci"), ec)) {
    const std::string name = e.path().filename().string();
    if (name.find(':') != std::string::npos) vfio.push_back(name);
  }
  std::sort(nics.begin(), nics.end());
  std::sort(vfio.begin(), vfio.end());
  std::string detail = nics.empty() ? "no hardware NIC" : join(nics);
  detail += "; bound to vfio-pci: " + (vfio.empty() ? std::string("none") : join(vfio));
  if (c.packet_port != "dpdk")
    return ok("nic", detail + " (packet.port = \"" + c.packet_port + "\")");
  if (c.nics.empty()) {
    return fail("nic", detail + "; packet.port is dpdk but packet.eal_args allows no PCI device",
                "add \"-a\", \"DDDD:BB:DD.F\" to packet.eal_args");
  }
  std::vector<std::string> unbound;
  for (const auto& pci : c.nics) {
    if (!std::binary_search(vfio.begin(), vfio.end(), pci)) {
      const std::string now = link_name(under(root, "/sys/bus/pci/devices") / pci / "driver");
      unbound.push_back(pci + " (" + (now.empty() ? "no driver" : now) + ")");
    }
  }
  if (!unbound.empty()) {
    return fail("nic", detail + "; not bound to vfio-pci: " + join(unbound),
                "vigil configure apply (binds them to vfio-pci; needs the IOMMU on)");
  }
  return ok("nic", detail);
}

Finding check_iommu(const Root& root, const DeployConfig& c) {
  size_t units = 0, groups = 0;
  std::error_code ec;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator(under(root, "/sys/class/iommu"), ec)) {
    ++units;
  }
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator(under(root, "/sys/kernel/iommu_groups"), ec)) {
    ++groups;
  }
  const std::string cmdline = read_text(under(root, "/proc/cmdline")).value_or("");
  const bool pt = cmdline.find("iommu=pt") != std::string::npos;
  if (units > 0 || groups > 0) {
    return ok("iommu", std::to_string(units) + " IOMMU unit(s), " + std::to_string(groups) +
                           " group(s)" + (pt ? ", passthrough (iommu=pt)" : ""));
  }
  const std::string fix =
      "enable VT-d/AMD-Vi in the firmware and add intel_iommu=on iommu=pt (Intel) or "
      "amd_iommu=on iommu=pt (AMD) to the kernel command line";
  if (c.packet_port == "dpdk") return fail("iommu", "no IOMMU: vfio-pci cannot bind NICs", fix);
  return warn("iommu", "no IOMMU; needed only for DPDK's vfio-pci", fix);
}

Finding check_numa(const Root& root, const DeployConfig& c) {
  const affinity::Topology t = affinity::read_topology(root);
  std::map<int, std::vector<int>> by_node;
  for (const auto& [cpu, node] : t.node_of_cpu) by_node[node].push_back(cpu);
  if (by_node.empty()) {
    return ok("numa", "no NUMA information; " + std::to_string(t.online.size()) + " cpus online");
  }
  std::vector<std::string> nodes;
  for (const auto& [node, cpus] : by_node) {
    nodes.push_back("node" + std::to_string(node) + " cpus " + affinity::format_cpu_list(cpus));
  }
  std::string detail = std::to_string(by_node.size()) + " node(s): " + join(nodes);
  if (!t.isolated.empty()) detail += "; isolcpus " + affinity::format_cpu_list(t.isolated);
  // The DPDK NIC's node should be where the net tile runs.
  for (const auto& pci : c.nics) {
    const auto node = read_i64(under(root, "/sys/bus/pci/devices") / pci / "numa_node");
    const auto* net = c.tiles.get("net");
    const auto cpu = net ? net->value_exact<int64_t>() : std::nullopt;
    if (!node || *node < 0 || !cpu) continue;
    const int net_node = t.node(static_cast<int>(*cpu));
    if (net_node >= 0 && net_node != *node) {
      return warn("numa",
                  detail + "; NIC " + pci + " is on node " + std::to_string(*node) +
                      " but tiles.net runs on cpu " + std::to_string(*cpu) + " of node " +
                      std::to_string(net_node),
                  "pin tiles.net to a cpu of node " + std::to_string(*node));
    }
  }
  return ok("numa", detail);
}

Finding check_socket_buffers(const Root& root) {
  std::vector<std::string> low, seen;
  for (const char* key : {"rmem_max", "wmem_max"}) {
    const auto v = read_u64(under(root, "/proc/sys/net/core") / key);
    seen.push_back(std::string("net.core.") + key + "=" + (v ? std::to_string(*v) : "?"));
    if (!v || *v < kSocketBufferBytes) low.push_back(std::string("net.core.") + key);
  }
  const std::string detail = join(seen, " ");
  if (low.empty()) return ok("sysctl", detail);
  return warn("sysctl", detail + ": UDP bursts overflow small socket buffers and drop",
              "vigil configure apply (sets " + join(low, ", ") + " to " +
                  std::to_string(kSocketBufferBytes) + ")");
}

Finding check_clock() {
  timex tx{};
  const int state = adjtimex(&tx);
  const std::string err = "max error " + std::to_string(tx.maxerror) + " us";
  if (state == -1) return warn("clock", "adjtimex failed", "check the kernel's timekeeping");
  if (state == TIME_ERROR || (tx.status & STA_UNSYNC)) {
    return warn("clock", "the kernel clock is not synchronised (" + err + ")",
                "run an NTP client: apt install chrony (or enable systemd-timesyncd)");
  }
  return ok("clock", "synchronised, " + err);
}

std::vector<Finding> check_limits(const DeployConfig& c) {
  std::vector<Finding> out;
  rlimit nofile{}, memlock{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  getrlimit(RLIMIT_MEMLOCK, &memlock);
  const std::string nf =
      "open files soft " + limit_text(nofile.rlim_cur) + ", hard " + limit_text(nofile.rlim_max);
  if (nofile.rlim_cur != RLIM_INFINITY && nofile.rlim_cur < kOpenFiles) {
    out.push_back(warn("nofile", nf + " (vigild's unit sets LimitNOFILE=1048576)",
                       "outside systemd: ulimit -n " + std::to_string(kOpenFiles) +
                           " or raise nofile in /etc/security/limits.conf"));
  } else {
    out.push_back(ok("nofile", nf));
  }
  const std::string ml = "locked memory soft " + limit_text(memlock.rlim_cur) + ", hard " +
                         limit_text(memlock.rlim_max);
  if (memlock.rlim_cur != RLIM_INFINITY) {
    const char* use = c.packet_port == "dpdk" ? "; DPDK locks its memory"
                                              : "; matters for DPDK and CUDA pinned buffers";
    out.push_back(warn("memlock", ml + " (vigild's unit sets LimitMEMLOCK=infinity)" + use,
                       "outside systemd: ulimit -l unlimited"));
  } else {
    out.push_back(ok("memlock", ml));
  }
  return out;
}

}  // namespace vigil::doctor
