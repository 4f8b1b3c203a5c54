#include "host/consensus/evidence.hpp"

#include <cstdio>
#include <cstring>

namespace vigil::consensus {
namespace {

void put(Bytes& out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(uint8_t(v >> (8 * i)));
}

bool get(ByteView in, size_t& pos, uint64_t& v, size_t n) {
  if (in.size() - pos < n) return false;
  v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t(in[pos + i]) << (8 * i);
  pos += n;
  return true;
}

bool get_bytes(ByteView in, size_t& pos, Bytes& b) {
  uint64_t len = 0;
  if (!get(in, pos, len, 4) || in.size() - pos < len) return false;
  b.assign(in.begin() + ptrdiff_t(pos), in.begin() + ptrdiff_t(pos + len));
  pos += len;
  return true;
}

}  // namespace

std::string describe(const Evidence& e) {
  char line[160];
  std::snprintf(
      line, sizeof line,
      "equivocation: validator %u %s in epoch %llu round %llu (%zu + %zu bytes of proof)",
      e.validator, e.kind == EvidenceKind::double_vote ? "double vote" : "double proposal",
      (unsigned long long)e.epoch, (unsigned long long)e.round, e.first.size(), e.second.size());
  return line;
}

Bytes serialize_evidence(const std::vector<Evidence>& list) {
  Bytes out{'V', 'G', 'E', 'V'};
  put(out, 1, 4);
  put(out, list.size(), 4);
  for (const auto& e : list) {
    put(out, uint8_t(e.kind), 1);
    put(out, e.validator, 4);
    put(out, e.epoch, 8);
    put(out, e.round, 8);
    put(out, e.first.size(), 4);
    out.insert(out.end(), e.first.begin(), e.first.end());
    put(out, e.second.size(), 4);
    out.insert(out.end(), e.second.begin(), e.second.end());
  }
  return out;
}

bool parse_evidence(ByteView in, std::vector<Evidence>& out) {
  size_t pos = 4;
  uint64_t version = 0, count = 0;
  if (in.size() < 4 || std::memcmp(in.data(), "VGEV", 4) != 0) return false;
  if (!get(in, pos, version, 4) || version != 1 || !get(in, pos, count, 4)) return false;
  out.clear();
  for (uint64_t i = 0; i < count; ++i) {
    Evidence e;
    uint64_t kind = 0, v = 0;
    if (!get(in, pos, kind, 1) || (kind != 1 && kind != 2) || !get(in, pos, v, 4) ||
        !get(in, pos, e.epoch, 8) || !get(in, pos, e.round, 8) || !get_bytes(in, pos, e.first) ||
        !get_bytes(in, pos, e.second))
      return false;
    e.kind = EvidenceKind(kind);
    e.validator = ValidatorIndex(v);
    out.push_back(std::move(e));
  }
  return pos == in.size();
}

}  // namespace vigil::consensus
