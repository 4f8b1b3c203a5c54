// Small readers for /proc and /sys files under a root folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace vigil::doctor {

// The file's text (at most 1 MiB), nullopt when it cannot be read.
std::optional<std::string> read_text(const std::filesystem::path& file);

// The first unsigned integer in the file ("1024\n"), nullopt if none.
std::optional<uint64_t> read_u64(const std::filesystem::path& file);

// The file's leading integer, sign included ("-1\n" in numa_node), nullopt if none.
std::optional<int64_t> read_i64(const std::filesystem::path& file);

// The last path element a symlink points to (a device's driver), "" if none.
std::string link_name(const std::filesystem::path& link);

// `rel` under `root`, with `rel` taken as relative even if it starts with '/'.
std::filesystem::path under(const std::filesystem::path& root, const std::filesystem::path& rel);

}  // namespace vigil::doctor
