#include "host/promtext/promtext.hpp"

#include <algorithm>
#include <cstdlib>

namespace vigil::promtext {
namespace {

bool name_char(char c, bool first) {
  const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
  return alpha || (!first && c >= '0' && c <= '9');
}

// Reads a metric or label name at `i`; empty when there is none.
std::string_view read_name(std::string_view s, size_t& i) {
  const size_t start = i;
  while (i < s.size() && name_char(s[i], i == start)) ++i;
  return s.substr(start, i - start);
}

// Reads a quoted label value with \\, \" and \n escapes.
bool read_value(std::string_view s, size_t& i, std::string& out) {
  if (i >= s.size() || s[i] != '"') return false;
  for (++i; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      ++i;
      return true;
    }
    if (c == '\\') {
      if (++i >= s.size()) return false;
      c = s[i] == 'n' ? '\n' : s[i];
    }
    out += c;
  }
  return false;
}

bool read_labels(std::string_view s, size_t& i, Sample& out) {
  if (i >= s.size() || s[i] != '{') return true;
  ++i;
  while (i < s.size() && s[i] != '}') {
    const std::string_view key = read_name(s, i);
    if (key.empty() || i >= s.size() || s[i] != '=') return false;
    ++i;
    std::string value;
    if (!read_value(s, i, value)) return false;
    out.labels.emplace_back(std::string(key), std::move(value));
    if (i < s.size() && s[i] == ',') ++i;
  }
  if (i >= s.size()) return false;
  ++i;
  std::sort(out.labels.begin(), out.labels.end());
  return true;
}

bool read_number(std::string_view s, size_t& i, double& out) {
  while (i < s.size() && s[i] == ' ') ++i;
  size_t end = i;
  while (end < s.size() && s[end] != ' ') ++end;
  const std::string token(s.substr(i, end - i));
  if (token.empty()) return false;
  if (token == "+Inf" || token == "-Inf" || token == "NaN") {
    out = token == "NaN" ? std::strtod("nan", nullptr)
                         : (token[0] == '-' ? -1.0 : 1.0) * std::strtod("inf", nullptr);
  } else {
    char* stop = nullptr;
    out = std::strtod(token.c_str(), &stop);
    if (stop != token.c_str() + token.size()) return false;
  }
  i = end;
  return true;
}

bool parse_sample(std::string_view line, Sample& out) {
  size_t i = 0;
  const std::string_view name = read_name(line, i);
  if (name.empty()) return false;
  out.name = std::string(name);
  if (!read_labels(line, i, out)) return false;
  return read_number(line, i, out.value);  // an optional timestamp may follow
}

void parse_comment(std::string_view line, Metrics& m) {
  constexpr std::string_view kType = "# TYPE ";
  if (line.substr(0, kType.size()) != kType) return;
  line.remove_prefix(kType.size());
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return;
  m.types[std::string(line.substr(0, space))] = std::string(line.substr(space + 1));
}

}  // namespace

std::string Sample::label(std::string_view key) const {
  for (const auto& [k, v] : labels) {
    if (k == key) return v;
  }
  return {};
}

double Metrics::sum(std::string_view name,
                    const std::vector<std::pair<std::string, std::string>>& match) const {
  double total = 0;
  for (const Sample& s : samples) {
    if (s.name != name) continue;
    const bool all = std::all_of(match.begin(), match.end(),
                                 [&s](const auto& kv) { return s.label(kv.first) == kv.second; });
    if (all) total += s.value;
  }
  return total;
}

bool Metrics::has(std::string_view name) const {
  return std::any_of(samples.begin(), samples.end(),
                     [name](const Sample& s) { return s.name == name; });
}

Metrics parse(std::string_view text) {
  Metrics m;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line[0] == '#') {
      parse_comment(line, m);
      continue;
    }
    if (m.samples.size() >= kMaxSamples) {
      m.truncated = true;
      break;
    }
    Sample s;
    if (parse_sample(line, s)) {
      m.samples.push_back(std::move(s));
    } else {
      ++m.malformed_lines;
    }
  }
  return m;
}

std::string family_of(const Metrics& m, const std::string& name) {
  for (std::string_view suffix : {"_bucket", "_sum", "_count"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      const std::string base = name.substr(0, name.size() - suffix.size());
      auto it = m.types.find(base);
      if (it != m.types.end() && (it->second == "histogram" || it->second == "summary")) {
        return base;
      }
    }
  }
  return name;
}

}  // namespace vigil::promtext
