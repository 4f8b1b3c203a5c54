#include "host/affinity/cpu_list.hpp"

#include <algorithm>
#include <charconv>

namespace vigil::affinity {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::optional<int> parse_cpu(std::string_view s) {
  int v = -1;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || v < 0 || v > kMaxCpu) {
    return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<std::vector<int>> parse_cpu_list(std::string_view text, std::string* error) {
  std::vector<int> cpus;
  text = trim(text);
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    const size_t dash = item.find('-');
    const auto lo = parse_cpu(item.substr(0, dash));
    const auto hi = dash == std::string_view::npos ? lo : parse_cpu(item.substr(dash + 1));
    if (!lo || !hi || *hi < *lo) {
      if (error) *error = "bad cpu list item '" + std::string(item) + "'";
      return std::nullopt;
    }
    for (int c = *lo; c <= *hi; ++c) cpus.push_back(c);
    if (cpus.size() > static_cast<size_t>(kMaxCpu) + 1) {
      std::sort(cpus.begin(), cpus.end());
      cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    }
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpu_list(std::span<const int> cpus) {
  std::string out;
  for (size_t i = 0; i < cpus.size();) {
    size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

}  // namespace vigil::affinity
