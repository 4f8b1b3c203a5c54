// The checks of `vigil doctor`, each one Finding. Machine checks read /proc
// and /sys under `root` ("/" in production, a scratch tree in tests), so the
// same code is tested against machines this one is not.
#pragma once

#include <filesystem>
#include <vector>

#include "host/doctor/deploy_config.hpp"
#include "host/doctor/finding.hpp"

namespace vigil::doctor {

using Root = std::filesystem::path;

// The targets `vigil configure` sets and the checks expect.
inline constexpr uint64_t kSocketBufferBytes = 128ull << 20;  // net.core.[rw]mem_max
inline constexpr uint64_t kHugepages = 1024;                  // 2 MiB pages: 2 GiB for DPDK
inline constexpr uint64_t kOpenFiles = 1 << 16;

// Machine.
Finding check_cpu_flags(const Root& root);  // /proc/cpuinfo
Finding check_hugepages(const Root& root, const DeployConfig& c);
Finding check_nics(const Root& root, const DeployConfig& c);  // drivers, vfio-pci binding
Finding check_iommu(const Root& root, const DeployConfig& c);
Finding check_numa(const Root& root, const DeployConfig& c);
Finding check_socket_buffers(const Root& root);
Finding check_clock();                                     // adjtimex: kernel's NTP sync state
std::vector<Finding> check_limits(const DeployConfig& c);  // RLIMIT_NOFILE, RLIMIT_MEMLOCK

// The node's own configuration.
Finding check_tiles(const Root& root, const DeployConfig& c);
Finding check_data_dir(const DeployConfig& c);  // exists, writable, fsync latency measured
std::vector<Finding> check_ports(const DeployConfig& c);  // each listen address is free
Finding check_key_file(const DeployConfig& c);            // present, readable only by its owner

// The verification engines (drivers/accel): what `auto` picks, CUDA, OpenCL.
std::vector<Finding> check_engines(const Root& root);

// Every check above, in the order doctor prints them.
std::vector<Finding> run_all(const Root& root, const DeployConfig& c);

}  // namespace vigil::doctor
