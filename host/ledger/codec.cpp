#include "host/ledger/codec.hpp"

#include <cstring>

#include "host/consensus/wire.hpp"

namespace vigil::ledger {
namespace {

struct Writer {
  std::string s;
  void u8(uint8_t v) { s.push_back(char(v)); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(uint8_t(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(uint8_t(v >> (8 * i)));
  }
  void raw(const void* p, size_t n) { s.append(static_cast<const char*>(p), n); }
};

struct Reader {
  std::string_view s;
  size_t at = 0;
  bool ok = true;
  const uint8_t* take(size_t n) {
    if (!ok || s.size() - at < n) {
      ok = false;
      return nullptr;
    }
    const auto* p = reinterpret_cast<const uint8_t*>(s.data() + at);
    at += n;
    return p;
  }
  uint8_t u8() {
    const uint8_t* p = take(1);
    return p ? *p : 0;
  }
  uint32_t u32() {
    uint32_t v = 0;
    if (const uint8_t* p = take(4))
      for (int i = 0; i < 4; ++i) v |= uint32_t(p[i]) << (8 * i);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    if (const uint8_t* p = take(8))
      for (int i = 0; i < 8; ++i) v |= uint64_t(p[i]) << (8 * i);
    return v;
  }
  void raw(void* out, size_t n) {
    if (const uint8_t* p = take(n)) std::memcpy(out, p, n);
  }
  bool done() const { return ok && at == s.size(); }
};

void put_vote(Writer& w, const vigil_vote_data& v) {
  Bytes b = consensus::encode_vote_data(v);
  w.raw(b.data(), b.size());
}
void get_vote(Reader& r, vigil_vote_data& v) {
  const uint8_t* p = r.take(sizeof v);
  if (p && !consensus::decode_vote_data({p, sizeof v}, v)) r.ok = false;
}

}  // namespace

std::string height_key(uint64_t h) {
  std::string k(8, '\0');
  for (int i = 0; i < 8; ++i) k[size_t(i)] = char(uint8_t(h >> (8 * (7 - i))));
  return k;
}

std::optional<uint64_t> parse_height_key(std::string_view k) {
  if (k.size() != 8) return std::nullopt;
  uint64_t h = 0;
  for (char c : k) h = h << 8 | uint8_t(c);
  return h;
}

std::string encode_block(const Block& b) {
  Bytes hdr = consensus::encode_block_hdr(b.hdr);
  std::string v(as_sv(hdr));
  v.append(as_sv(b.txs));
  return v;
}

std::optional<Block> decode_block(std::string_view v) {
  if (v.size() < sizeof(vigil_block_hdr)) return std::nullopt;
  Block b;
  if (!consensus::decode_block_hdr(as_bytes(v.substr(0, sizeof(vigil_block_hdr))), b.hdr))
    return std::nullopt;
  ByteView txs = as_bytes(v.substr(sizeof(vigil_block_hdr)));
  b.txs.assign(txs.begin(), txs.end());
  b.id = consensus::compute_block_id(b.hdr);
  return b;
}

std::string encode_qc(const QuorumCert& qc) {
  Writer w;
  put_vote(w, qc.vote);
  w.raw(qc.signers.bits.data(), qc.signers.bits.size());
  w.u32(uint32_t(qc.sigs.size()));
  for (const auto& s : qc.sigs) w.raw(s.data(), s.size());
  return w.s;
}

std::optional<QuorumCert> decode_qc(std::string_view v) {
  Reader r{v};
  QuorumCert qc;
  get_vote(r, qc.vote);
  r.raw(qc.signers.bits.data(), qc.signers.bits.size());
  uint32_t n = r.u32();
  if (!r.ok || n > VIGIL_MAX_VALIDATORS || n != qc.signers.count()) return std::nullopt;
  qc.sigs.resize(n);
  for (auto& s : qc.sigs) r.raw(s.data(), s.size());
  if (!r.done()) return std::nullopt;
  return qc;
}

std::string encode_tc(const consensus::TimeoutCert& tc) {
  Writer w;
  w.u64(tc.epoch);
  w.u64(tc.round);
  w.raw(tc.signers.bits.data(), tc.signers.bits.size());
  w.u32(uint32_t(tc.entries.size()));
  for (const auto& e : tc.entries) {
    w.u64(e.high_qc_round);
    w.raw(e.sig.data(), e.sig.size());
  }
  return w.s;
}

std::optional<consensus::TimeoutCert> decode_tc(std::string_view v) {
  Reader r{v};
  consensus::TimeoutCert tc;
  tc.epoch = r.u64();
  tc.round = r.u64();
  r.raw(tc.signers.bits.data(), tc.signers.bits.size());
  uint32_t n = r.u32();
  if (!r.ok || n > VIGIL_MAX_VALIDATORS || n != tc.signers.count()) return std::nullopt;
  tc.entries.resize(n);
  for (auto& e : tc.entries) {
    e.high_qc_round = r.u64();
    r.raw(e.sig.data(), e.sig.size());
  }
  if (!r.done()) return std::nullopt;
  return tc;
}

std::string encode_receipts(std::span<const vigil_receipt> rs) {
  Writer w;
  for (const auto& r : rs) {
    w.u32(r.index);
    w.u8(r.code);
    w.u8(r.kind);
    w.u8(0);
    w.u8(0);
  }
  return w.s;
}

std::optional<std::vector<vigil_receipt>> decode_receipts(std::string_view v) {
  if (v.size() % sizeof(vigil_receipt)) return std::nullopt;
  Reader r{v};
  std::vector<vigil_receipt> out(v.size() / sizeof(vigil_receipt));
  for (auto& x : out) {
    x.index = r.u32();
    x.code = r.u8();
    x.kind = r.u8();
    x.reserved = uint16_t(r.u8() | r.u8() << 8);
    if (x.reserved) return std::nullopt;
  }
  return out;
}

std::string encode_epoch(const consensus::EpochRecord& e) {
  Writer w;
  w.u64(e.validators.epoch);
  w.u32(e.validators.size());
  for (const auto& k : e.validators.keys) w.raw(k.data(), k.size());
  w.raw(e.root_id.data(), e.root_id.size());
  w.u64(e.root_height);
  return w.s;
}

std::optional<consensus::EpochRecord> decode_epoch(std::string_view v) {
  Reader r{v};
  consensus::EpochRecord e;
  e.validators.epoch = r.u64();
  uint32_t n = r.u32();
  if (!r.ok || n == 0 || n > VIGIL_MAX_VALIDATORS) return std::nullopt;
  e.validators.keys.resize(n);
  for (auto& k : e.validators.keys) r.raw(k.data(), k.size());
  r.raw(e.root_id.data(), e.root_id.size());
  e.root_height = r.u64();
  if (!r.done()) return std::nullopt;
  return e;
}

std::string encode_safety(const consensus::SafetyState& s) {
  Writer w;
  w.u64(s.epoch);
  w.u64(s.last_voted_round);
  w.u64(s.preferred_round);
  w.u64(s.last_timeout_round);
  w.u64(s.last_timeout_hqc_round);
  w.u64(s.last_proposed_round);
  w.u8(s.last_vote ? 1 : 0);
  if (s.last_vote) put_vote(w, *s.last_vote);
  return w.s;
}

std::optional<consensus::SafetyState> decode_safety(std::string_view v) {
  Reader r{v};
  consensus::SafetyState s;
  s.epoch = r.u64();
  s.last_voted_round = r.u64();
  s.preferred_round = r.u64();
  s.last_timeout_round = r.u64();
  s.last_timeout_hqc_round = r.u64();
  s.last_proposed_round = r.u64();
  uint8_t has = r.u8();
  if (has > 1) return std::nullopt;
  if (has) {
    vigil_vote_data d{};
    get_vote(r, d);
    s.last_vote = d;
  }
  if (!r.done()) return std::nullopt;
  return s;
}

std::string encode_stale(std::span<const state::NodeKey> pages) {
  std::string out;
  out.reserve(pages.size() * 16);
  for (const auto& k : pages) {
    state::Bytes key = state::encode_node_key(k);
    out.push_back(char(uint8_t(key.size())));
    out.append(as_sv(key));
  }
  return out;
}

std::optional<std::vector<state::NodeKey>> decode_stale(std::string_view v) {
  std::vector<state::NodeKey> out;
  size_t at = 0;
  while (at < v.size()) {
    const size_t len = uint8_t(v[at++]);
    if (v.size() - at < len) return std::nullopt;
    auto k = state::decode_node_key(as_bytes(v.substr(at, len)));
    if (!k || k->depth % state::kPageLevels || (!out.empty() && !(out.back() < *k)))
      return std::nullopt;
    out.push_back(*k);
    at += len;
  }
  if (out.empty()) return std::nullopt;  // an empty list is no record
  return out;
}

}  // namespace vigil::ledger
