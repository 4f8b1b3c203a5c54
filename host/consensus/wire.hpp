// Encoding and bounds-checked decoding of the consensus messages of
// <vigil/fi/consensus.h>: explicit little-endian, field by field, so the
// layout never depends on the host. decode() accepts exactly one
// canonical encoding (reserved fields zero, lengths that add up, signer
// bitmaps that match their counts) and says why it rejects anything else.
#pragma once

#include <string_view>

#include "host/consensus/types.hpp"

namespace vigil::consensus {

// The largest message decode() accepts (a full block plus certificates).
inline constexpr size_t kMaxMessageBytes = 16u << 20;

enum class ParseError : uint8_t {
  ok = 0,
  short_input,     // fewer bytes than a header and a signature
  bad_version,     // wire version not VIGIL_WIRE_VERSION
  bad_type,        // unknown message type
  bad_scheme,      // signature scheme not Ed25519
  bad_length,      // body_len disagrees with the input size
  oversized,       // over kMaxMessageBytes or a count over its maximum
  truncated,       // a part runs past the end of the body
  trailing_bytes,  // bytes left after the last part of the body
  bad_reserved,    // a reserved field or flag is not 0 (or 0/1)
  bad_signers,     // signer bitmap disagrees with its count or order
  bad_field,       // a field contradicts the header (round, epoch, ...)
  count_           // number of reasons
};

std::string_view parse_error_name(ParseError e);

// Decodes `in` into `out`. On error `out` is unspecified.
ParseError decode(ByteView in, Message& out);

// Encodes `m` (header, body, then m.sig).
Bytes encode(const Message& m);

// Encoded sizes of the parts of a message, without encoding them: a QC, a
// proposal body (block, its QC, TC and frames), and a message's fixed parts
// (header and signature).
size_t encoded_size(const QuorumCert& qc);
size_t encoded_size(const Proposal& p);
inline constexpr size_t kMessageOverhead = sizeof(vigil_msg_hdr) + 64;

// The bytes a message's signature covers: for a vote or timeout the domain
// string and the signed data alone; otherwise the domain string, header and
// body of the encoded message `encoded`.
Bytes vote_signing_bytes(const vigil_vote_data& v);
Bytes timeout_signing_bytes(const vigil_timeout_data& t);
Bytes message_signing_bytes(const Message& m, ByteView encoded);

// The 96 wire bytes of vote data (as inside a vote or a QC), and back
// (exactly 96 bytes; false otherwise). The ledger stores QCs with them.
Bytes encode_vote_data(const vigil_vote_data& v);
bool decode_vote_data(ByteView in, vigil_vote_data& out);

// The 128 wire bytes of a block header and the block id (SHA-256 of them);
// decode_block_hdr reads exactly 128 bytes and refuses a tx_count above
// VIGIL_BLOCK_MAX_TXS (the ledger reads its block records with it).
Bytes encode_block_hdr(const vigil_block_hdr& h);
bool decode_block_hdr(ByteView in, vigil_block_hdr& out);
BlockId compute_block_id(const vigil_block_hdr& h);
// A block's frames, back to back, cut where each frame's header says it ends
// (frame.h: 104 + payload_len + 4 bytes); bytes that cannot be a whole frame
// (fewer than a header, or a length past the end) are the last piece. Every
// byte is in exactly one piece, so the cut is total and deterministic.
std::vector<ByteView> split_frames(ByteView frames);
// A block's tx_root: the RFC 6962 Merkle root (host/crypto/merkle.hpp) of
// its frames as split_frames cuts them.
BlockId compute_tx_root(ByteView frames);
// The block of header `h` and `frames`: h with tx_root set from the frames,
// and its id.
Block make_block(const vigil_block_hdr& h, Bytes frames);
// The same for a header of these fields (the rest zero), `frames` one
// transaction.
Block make_block(Epoch epoch, Round round, uint64_t height, const BlockId& parent,
                 ValidatorIndex proposer, Bytes frames);

}  // namespace vigil::consensus
