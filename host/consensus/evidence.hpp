// Proof of equivocation: two validly signed messages of one kind from one
// validator for one (epoch, round) that conflict (two votes for different
// blocks, two proposals of different blocks). Anyone holding the epoch's
// validator set can check it offline: both messages are kept whole.
#pragma once

#include <string>
#include <vector>

#include "host/consensus/types.hpp"

namespace vigil::consensus {

enum class EvidenceKind : uint8_t { double_vote = 1, double_proposal = 2 };

struct Evidence {
  EvidenceKind kind = EvidenceKind::double_vote;
  ValidatorIndex validator = 0;
  Epoch epoch = 0;
  Round round = 0;
  Bytes first;   // the encoded message seen first
  Bytes second;  // the conflicting one
};

// One line for the operator's log.
std::string describe(const Evidence& e);

// Serialized form, for export: "VGEV" u32 version=1 u32 count, then per
// record u8 kind, u32 validator, u64 epoch, u64 round, u32 len + bytes (the
// first message), u32 len + bytes (the second); all little-endian.
Bytes serialize_evidence(const std::vector<Evidence>& list);
// The inverse; false on malformed input.
bool parse_evidence(ByteView in, std::vector<Evidence>& out);

}  // namespace vigil::consensus
