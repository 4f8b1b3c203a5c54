// Reads Prometheus text exposition format (version 0.0.4), as /metrics
// serves it, into samples: what `vigil monitor` and the dashboard and page
// tests read a node's metrics with.
//
// Promise: parse is total over any bytes. It returns the samples of every
// well-formed line, skips comments (# HELP / # TYPE lines are kept as the
// metric's type), and counts each malformed line instead of failing; it
// never reads past the input, and holds at most kMaxSamples samples.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::promtext {

struct Sample {
  std::string name;                                 // with _bucket/_sum/_count suffix
  std::vector<std::pair<std::string, std::string>>  // label name, value; sorted by name
      labels;
  double value = 0;

  // The value of label `key`, or "" when absent.
  std::string label(std::string_view key) const;
};

struct Metrics {
  std::vector<Sample> samples;
  std::map<std::string, std::string> types;  // metric family -> counter|gauge|histogram|...
  size_t malformed_lines = 0;
  bool truncated = false;  // more than kMaxSamples samples

  // Sum of every sample named `name` whose labels include all of `match`.
  double sum(std::string_view name,
             const std::vector<std::pair<std::string, std::string>>& match = {}) const;
  bool has(std::string_view name) const;
};

constexpr size_t kMaxSamples = 200000;

Metrics parse(std::string_view text);

// The family a sample belongs to: the name less a histogram/summary suffix
// (_bucket, _sum, _count) when the family has that type.
std::string family_of(const Metrics& m, const std::string& sample_name);

}  // namespace vigil::promtext
