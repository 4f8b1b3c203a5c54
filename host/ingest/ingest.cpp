#include "host/ingest/ingest.hpp"

#include <numeric>

#include "host/ingest/keyed_hash.hpp"

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
    case Drop::rate_limited_source:
    case Drop::rate_limited_key:
      return VIGIL_ERR_RATE_LIMITED;
    case Drop::count_:
      break;
  }
  return VIGIL_ERR_MALFORMED;
}

uint64_t IngestCounters::dropped_total() const {
  return std::accumulate(dropped.begin(), dropped.end(), uint64_t(0));
}

Ingest::Ingest(const IngestConfig& config)
    : config_(config),
      dedup_(config.dedup_depth, config.dedup_seed),
      by_source_(config.by_source),
      by_key_(config.by_key) {}

size_t Ingest::memory_bytes() const {
  return sizeof(*this) + dedup_.memory_bytes() + by_source_.memory_bytes() + by_key_.memory_bytes();
}

uint64_t Ingest::key_id(const uint8_t* public_key) const {
  // All 32 bytes, keyed: a forged key cannot be aimed at an honest key's
  // bucket without the seed.
  return keyed_hash_words(config_.dedup_seed ^ 0x6b6579, public_key, 4);
}

vigil_error Ingest::admit(std::span<const uint8_t> bytes, uint32_t src_addr, uint64_t now_ns,
                          FrameView& out) {
  ++counters_.received;
  if (config_.rate_limits && !by_source_.allow(src_addr, now_ns))
    return drop(Drop::rate_limited_source);
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
  const uint64_t tag = dedup_.tag(out.signature);
  if (dedup_.contains(tag)) return drop(Drop::duplicate);
  if (config_.rate_limits && !by_key_.allow(key_id(out.public_key), now_ns))
    return drop(Drop::rate_limited_key);
  dedup_.insert(tag);
  ++counters_.accepted;
  return VIGIL_OK;
}

void Ingest::report_invalid_signature(uint32_t src_addr, uint64_t now_ns) {
  ++counters_.invalid_signatures_reported;
  by_source_.penalize(src_addr, now_ns);
}

}  // namespace vigil::ingest
