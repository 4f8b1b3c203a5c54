// How the ledger lays its records out in RocksDB: explicit little-endian
// values, big-endian heights in keys (so keys sort by height). Every decoder
// is bounds-checked and exact: a record with a byte too many or too few is
// refused, never half-read.
#pragma once

#include <optional>
#include <string>

#include "host/consensus/epoch.hpp"
#include "host/consensus/safety_rules.hpp"
#include "host/consensus/types.hpp"
#include "host/execution/transaction.hpp"
#include "host/state/smt.hpp"

namespace vigil::ledger {

using consensus::Block;
using consensus::BlockId;
using consensus::Bytes;
using consensus::ByteView;
using consensus::QuorumCert;

std::string height_key(uint64_t h);  // 8 bytes, big-endian
std::optional<uint64_t> parse_height_key(std::string_view k);

// A block record: the 128-byte header, then the frames. The id is derived.
std::string encode_block(const Block& b);
std::optional<Block> decode_block(std::string_view v);

std::string encode_qc(const QuorumCert& qc);
std::optional<QuorumCert> decode_qc(std::string_view v);

std::string encode_tc(const consensus::TimeoutCert& tc);
std::optional<consensus::TimeoutCert> decode_tc(std::string_view v);

std::string encode_receipts(std::span<const vigil_receipt> r);
std::optional<std::vector<vigil_receipt>> decode_receipts(std::string_view v);

std::string encode_epoch(const consensus::EpochRecord& e);
std::optional<consensus::EpochRecord> decode_epoch(std::string_view v);

std::string encode_safety(const consensus::SafetyState& s);
std::optional<consensus::SafetyState> decode_safety(std::string_view v);

// A version's stale list (family `stale`, key: the version): the pages it
// replaced, ascending, each as a length byte and its node key. The decoder
// takes page keys only (depth a multiple of kPageLevels), strictly ascending.
std::string encode_stale(std::span<const state::NodeKey> pages);
std::optional<std::vector<state::NodeKey>> decode_stale(std::string_view v);

inline std::string_view as_sv(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace vigil::ledger
