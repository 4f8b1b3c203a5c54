#include "host/ingest/ingest.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <numeric>

namespace vigil::ingest {

std::string_view drop_name(Drop d) {
  switch (d) {
    case Drop::short_frame:
      return "short";
    case Drop::bad_length:
      return "bad_length";
    case Drop::bad_crc:
      return "bad_crc";
    case Drop::unknown_version:
      return "unknown_version";
    case Drop::unknown_scheme:
      return "unknown_scheme";
    case Drop::oversized:
      return "oversized";
    case Drop::duplicate:
      return "duplicate";
    case Drop::rate_limited_source:
      return "rate_limited_source";
    case Drop::rate_limited_key:
      return "rate_limited_key";
    case Drop::bad_token:
      return "bad_token";
    case Drop::rate_limited_unproven:
      return "rate_limited_unproven";
    case Drop::count_:
      break;
  }
  return "?";
}

vigil_error drop_error(Drop d) {
  switch (d) {
    case Drop::short_frame:
      return VIGIL_ERR_SHORT;
    case Drop::bad_length:
      return VIGIL_ERR_BAD_LENGTH;
    case Drop::bad_crc:
      return VIGIL_ERR_BAD_CRC;
    case Drop::unknown_version:
      return VIGIL_ERR_UNKNOWN_VERSION;
    case Drop::unknown_scheme:
      return VIGIL_ERR_UNKNOWN_SCHEME;
    case Drop::oversized:
      return VIGIL_ERR_OVERSIZED;
    case Drop::duplicate:
      return VIGIL_ERR_DUPLICATE;
    case Drop::bad_token:
      return VIGIL_ERR_BAD_TOKEN;
    case Drop::rate_limited_source:
    case Drop::rate_limited_key:
    case Drop::rate_limited_unproven:
      return VIGIL_ERR_RATE_LIMITED;
    case Drop::count_:
      break;
  }
  return VIGIL_ERR_MALFORMED;
}

namespace {
// The key budgets are keyed by key ids, secret hashes already.
RateLimitConfig prehashed(RateLimitConfig c) {
  c.prehashed = true;
  return c;
}
}  // namespace

uint64_t IngestCounters::dropped_total() const {
  return std::accumulate(dropped.begin(), dropped.end(), uint64_t(0));
}

Ingest::Ingest(const IngestConfig& config)
    : config_(config),
      root_(HashKey::from_config(config.seed)),
      key_hash_(root_.derive(1)),
      token_key_(root_.derive(2)),
      dedup_(config.dedup_depth, root_.derive(3)),
      by_source_(config.by_source, root_.derive(4)),
      by_key_(prehashed(config.by_key), root_.derive(5)),
      unproven_({.entries = 1,
                 .rate_per_sec = config.unproven.rate_per_sec,
                 .burst = config.unproven.burst,
                 .invalid_penalty = config.unproven.invalid_penalty,
                 .initial = config.unproven.initial,
                 .prehashed = true},
                root_.derive(6)),
      token_memo_(kTokenMemo) {
  if (config_.token_window_ns == 0) config_.token_window_ns = 1;
}

size_t Ingest::memory_bytes() const {
  return sizeof(*this) + dedup_.memory_bytes() + by_source_.memory_bytes() +
         by_key_.memory_bytes() + unproven_.memory_bytes() + token_memo_.size() * sizeof(TokenMemo);
}

uint64_t Ingest::token_mac(uint32_t src_addr, uint32_t window) const {
  const uint64_t in = uint64_t(src_addr) | uint64_t(window) << 32;
  return token_key_.mac_u64(in);
}

uint32_t Ingest::window_of(uint64_t now_ns) {
  // A burst shares one time stamp: divide once per burst, not per frame.
  if (now_ns != window_at_ns_) {
    window_at_ns_ = now_ns;
    window_ = uint32_t(now_ns / config_.token_window_ns);
  }
  return window_;
}

vigil_addr_token Ingest::make_token(uint32_t src_addr, uint64_t now_ns) const {
  const uint32_t window = uint32_t(now_ns / config_.token_window_ns);
  vigil_addr_token t{};
  t.magic = VIGIL_ADDR_TOKEN_MAGIC;
  t.kind = VIGIL_ADDR_TOKEN_GRANT;
  t.version = VIGIL_WIRE_VERSION;
  t.window = window;  // little-endian host
  const uint64_t mac = token_mac(src_addr, window);
  std::memcpy(t.mac, &mac, 8);
  return t;
}

bool Ingest::token_valid(std::span<const uint8_t> bytes, uint32_t src_addr, uint64_t now_ns) {
  if (bytes.size() < sizeof(vigil_addr_token) || src_addr == kUnprovenSource) return false;
  vigil_addr_token t;
  std::memcpy(&t, bytes.data(), sizeof t);
  if (t.kind != VIGIL_ADDR_TOKEN_FRAME || t.version != VIGIL_WIRE_VERSION) return false;
  const uint32_t now_window = window_of(now_ns);
  if (t.window != now_window && t.window + 1 != now_window) return false;
  uint64_t carried;
  std::memcpy(&carried, t.mac, 8);
  TokenMemo& memo = token_memo_[carried & (kTokenMemo - 1)];
  if (memo.src == src_addr && memo.window == t.window && memo.mac == carried) return true;
  if (token_mac(src_addr, t.window) != carried) return false;
  memo = {src_addr, t.window, carried};
  return true;
}

size_t Ingest::grant_token(std::span<const uint8_t> request, uint32_t src_addr, uint64_t now_ns,
                           std::span<uint8_t> reply) {
  ++counters_.token_requests;
  if (!is_token_request(request) || src_addr == kUnprovenSource ||
      reply.size() < sizeof(vigil_addr_token))
    return 0;
  // Grants spend the unproven budget: a flood of spoofed requests reflects
  // at most that rate, one grant per request of at least its size.
  if (config_.rate_limits && !unproven_.allow(0, now_ns)) return 0;
  const vigil_addr_token t = make_token(src_addr, now_ns);
  std::memcpy(reply.data(), &t, sizeof t);
  ++counters_.tokens_granted;
  return sizeof t;
}

uint32_t Ingest::prove_source(std::span<const uint8_t>& bytes, uint32_t src_addr, uint64_t now_ns,
                              vigil_error& e) {
  ++counters_.received;
  e = VIGIL_OK;
  if (bytes.empty() || bytes[0] != VIGIL_ADDR_TOKEN_MAGIC) return kUnprovenSource;
  if (!token_valid(bytes, src_addr, now_ns)) {
    e = drop(Drop::bad_token);
    return kUnprovenSource;
  }
  bytes = bytes.subspan(sizeof(vigil_addr_token));
  return src_addr;
}

vigil_error Ingest::admit_frame(std::span<const uint8_t> bytes, TokenBucketTable::Slot source,
                                uint64_t now_ns, FrameView& out) {
  if (config_.rate_limits) {
    if (source.key == kUnprovenSource) {
      if (!unproven_.allow(0, now_ns)) return drop(Drop::rate_limited_unproven);
    } else if (!by_source_.allow(source, now_ns)) {
      return drop(Drop::rate_limited_source);
    }
  }
  switch (parse_frame(bytes, out)) {
    case VIGIL_OK:
      break;
    case VIGIL_ERR_SHORT:
      return drop(Drop::short_frame);
    case VIGIL_ERR_BAD_LENGTH:
      return drop(Drop::bad_length);
    case VIGIL_ERR_BAD_CRC:
      return drop(Drop::bad_crc);
    case VIGIL_ERR_UNKNOWN_VERSION:
      return drop(Drop::unknown_version);
    case VIGIL_ERR_UNKNOWN_SCHEME:
      return drop(Drop::unknown_scheme);
    default:
      return drop(Drop::oversized);
  }
  out.source = uint32_t(source.key);
  // The lines admit_back reads start loading as soon as their hashes are known.
  out.ticket.dedup_tag = dedup_.tag(out.signature, out.public_key);
  dedup_.prefetch(out.ticket.dedup_tag);
  if (config_.rate_limits) {
    out.ticket.key_id = key_id(out.public_key);
    by_key_.prefetch(out.ticket.key_id);
  }
  return VIGIL_OK;
}

vigil_error Ingest::admit_back(FrameView& frame, uint64_t now_ns) {
  if (dedup_.contains(frame.ticket.dedup_tag)) return drop(Drop::duplicate);
  if (config_.rate_limits && !by_key_.has_token(frame.ticket.key_id, now_ns))
    return drop(Drop::rate_limited_key);
  ++counters_.accepted;
  return VIGIL_OK;
}

vigil_error Ingest::admit(std::span<const uint8_t> bytes, uint32_t src_addr, uint64_t now_ns,
                          FrameView& out) {
  vigil_error e;
  const uint32_t source = prove_source(bytes, src_addr, now_ns, e);
  if (e == VIGIL_OK) e = admit_frame(bytes, source_slot(source), now_ns, out);
  return e == VIGIL_OK ? admit_back(out, now_ns) : e;
}

TokenBucketTable::Slot Ingest::source_slot(uint32_t source) const {
  // Only a proven source's budget is looked up, so only its set is hashed.
  if (!config_.rate_limits || source == kUnprovenSource) return {source, 0};
  return by_source_.slot(source);
}

void Ingest::prefetch_token(std::span<const uint8_t> bytes) const {
  if (bytes.size() < sizeof(vigil_addr_token) || bytes[0] != VIGIL_ADDR_TOKEN_MAGIC) return;
  uint64_t carried;
  std::memcpy(&carried, bytes.data() + offsetof(vigil_addr_token, mac), 8);
  __builtin_prefetch(&token_memo_[carried & (kTokenMemo - 1)]);
}

// Passes over up to kPass datagrams, each starting the loads the next one
// needs: token memo lines; token checks and source sets; budgets, parse and
// hashes (dedup and key lines); dedup and key lookups. Each pass touches
// only tables no earlier pass writes, and runs in arrival order, so the
// verdicts and state are those of admit() one by one.
void Ingest::admit_burst(std::span<const Datagram> in, uint64_t now_ns, std::span<FrameView> out,
                         std::span<vigil_error> verdicts) {
  const size_t n = std::min({in.size(), out.size(), verdicts.size()});
  std::array<std::span<const uint8_t>, kPass> bytes;
  std::array<TokenBucketTable::Slot, kPass> sources;
  for (size_t off = 0; off < n; off += kPass) {
    const size_t m = std::min(kPass, n - off);
    for (size_t i = 0; i < m; ++i) prefetch_token(in[off + i].bytes);
    for (size_t i = 0; i < m; ++i) {
      bytes[i] = in[off + i].bytes;
      sources[i] =
          source_slot(prove_source(bytes[i], in[off + i].src_addr, now_ns, verdicts[off + i]));
      if (config_.rate_limits && sources[i].key != kUnprovenSource) by_source_.prefetch(sources[i]);
    }
    for (size_t i = 0; i < m; ++i)
      if (verdicts[off + i] == VIGIL_OK)
        verdicts[off + i] = admit_frame(bytes[i], sources[i], now_ns, out[off + i]);
    for (size_t i = 0; i < m; ++i)
      if (verdicts[off + i] == VIGIL_OK) verdicts[off + i] = admit_back(out[off + i], now_ns);
  }
}

bool Ingest::record_verified(const FrameTicket& t, uint64_t now_ns) {
  if (dedup_.check_and_insert(t.dedup_tag)) {
    ++counters_.duplicates_after_verify;
    return false;
  }
  ++counters_.verified_recorded;
  if (config_.rate_limits) by_key_.charge(t.key_id, now_ns);
  return true;
}

bool Ingest::record_verified(const uint8_t* public_key, const uint8_t* signature, uint64_t now_ns) {
  return record_verified(ticket(public_key, signature), now_ns);
}

void Ingest::report_invalid_signature(uint32_t source, uint64_t now_ns) {
  ++counters_.invalid_signatures_reported;
  if (source == kUnprovenSource) {
    unproven_.penalize(0, now_ns);
  } else {
    by_source_.penalize(source, now_ns);
  }
}

}  // namespace vigil::ingest
