// The kernel's cpulist format ("0-3,8,10-11"): what /sys/devices/system/cpu/
// online, isolated and nodeN/cpulist hold, and what isolcpus= takes.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::affinity {

// The largest CPU number accepted: bounds the work a hostile list can cause.
inline constexpr int kMaxCpu = 4095;

// Sorted, without duplicates. Empty or whitespace-only text is the empty
// list. A malformed list returns nullopt and says why in *error.
std::optional<std::vector<int>> parse_cpu_list(std::string_view text, std::string* error);

// The shortest cpulist for sorted, unique `cpus`: {0,1,2,5} -> "0-2,5".
std::string format_cpu_list(std::span<const int> cpus);

}  // namespace vigil::affinity
