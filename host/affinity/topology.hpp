// What this machine offers tiles: read from sysfs under a root folder ("/" in
// production, a scratch tree in tests) and from the process's own affinity.
#pragma once

#include <filesystem>
#include <map>
#include <vector>

namespace vigil::affinity {

struct Topology {
  std::vector<int> online;         // /sys/devices/system/cpu/online
  std::vector<int> isolated;       // /sys/devices/system/cpu/isolated (isolcpus=)
  std::vector<int> allowed;        // sched_getaffinity: what systemd's CPUAffinity left us
  std::map<int, int> node_of_cpu;  // from /sys/devices/system/node/nodeN/cpulist

  bool is_online(int cpu) const;
  bool is_isolated(int cpu) const;
  bool is_allowed(int cpu) const;
  // The NUMA node of `cpu`, or -1 when the machine reports none.
  int node(int cpu) const;
};

// Reads the sysfs files under `root`. A missing file leaves its field empty
// (no NUMA on this kernel, say); `allowed` comes from this process and is the
// online list when `root` is not "/".
Topology read_topology(const std::filesystem::path& root = "/");

}  // namespace vigil::affinity
