#include "host/affinity/topology.hpp"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

#include "host/affinity/cpu_list.hpp"

namespace vigil::affinity {
namespace {

bool contains(const std::vector<int>& sorted, int cpu) {
  return std::binary_search(sorted.begin(), sorted.end(), cpu);
}

std::vector<int> read_cpu_list_file(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  return parse_cpu_list(text.str(), nullptr).value_or(std::vector<int>{});
}

std::vector<int> process_allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  }
  return cpus;
}

}  // namespace

bool Topology::is_online(int cpu) const {
  return contains(online, cpu);
}
bool Topology::is_isolated(int cpu) const {
  return contains(isolated, cpu);
}
bool Topology::is_allowed(int cpu) const {
  return contains(allowed, cpu);
}

int Topology::node(int cpu) const {
  const auto it = node_of_cpu.find(cpu);
  return it == node_of_cpu.end() ? -1 : it->second;
}

Topology read_topology(const std::filesystem::path& root) {
  Topology t;
  const auto cpu_dir = root / "sys/devices/system/cpu";
  t.online = read_cpu_list_file(cpu_dir / "online");
  t.isolated = read_cpu_list_file(cpu_dir / "isolated");
  t.allowed = root == "/" ? process_allowed_cpus() : t.online;

  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root / "sys/devices/system/node", ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("node", 0) != 0 || name.size() == 4) continue;
    int node = -1;
    const auto [end, err] = std::from_chars(name.data() + 4, name.data() + name.size(), node);
    if (err != std::errc{} || end != name.data() + name.size() || node < 0) continue;
    for (int cpu : read_cpu_list_file(e.path() / "cpulist")) t.node_of_cpu[cpu] = node;
  }
  return t;
}

}  // namespace vigil::affinity
