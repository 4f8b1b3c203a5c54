// Little-endian codec of the consensus messages. Every read is checked
// against the end of the input; every count against its maximum before any
// allocation, so a hostile length can never make us allocate much.
#include "host/consensus/wire.hpp"

#include <vigil/fi/frame.h>

#include <cstring>

#include "host/crypto/merkle.hpp"
#include "host/crypto/sha2.hpp"

namespace vigil::consensus {
namespace {

constexpr std::string_view kErrorNames[] = {
    "ok",        "short_input", "bad_version",    "bad_type",     "bad_scheme",  "bad_length",
    "oversized", "truncated",   "trailing_bytes", "bad_reserved", "bad_signers", "bad_field"};
static_assert(std::size(kErrorNames) == size_t(ParseError::count_));

struct Writer {
  Bytes& out;
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(uint8_t(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(uint8_t(v >> (8 * i)));
  }
  void u8(uint8_t v) { out.push_back(v); }
  void raw(const uint8_t* p, size_t n) { out.insert(out.end(), p, p + n); }
};

struct Reader {
  ByteView in;
  size_t pos = 0;
  ParseError err = ParseError::ok;

  bool take(size_t n) {
    if (err != ParseError::ok) return false;
    if (in.size() - pos < n) {
      err = ParseError::truncated;
      return false;
    }
    return true;
  }
  uint64_t le(size_t n) {
    if (!take(n)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t(in[pos + i]) << (8 * i);
    pos += n;
    return v;
  }
  uint8_t u8() { return uint8_t(le(1)); }
  uint32_t u32() { return uint32_t(le(4)); }
  uint64_t u64() { return le(8); }
  void raw(uint8_t* p, size_t n) {
    if (!take(n)) return;
    std::memcpy(p, in.data() + pos, n);
    pos += n;
  }
  void fail(ParseError e) {
    if (err == ParseError::ok) err = e;
  }
  size_t left() const { return in.size() - pos; }
};

// --- fixed parts -----------------------------------------------------------

void put_block_hdr(Writer& w, const vigil_block_hdr& h) {
  w.u64(h.epoch);
  w.u64(h.round);
  w.u64(h.height);
  w.raw(h.parent_id, VIGIL_HASH_LEN);
  w.raw(h.tx_root, VIGIL_HASH_LEN);
  w.raw(h.state_root, VIGIL_HASH_LEN);
  w.u32(h.proposer);
  w.u32(h.tx_count);
}

void get_block_hdr(Reader& r, vigil_block_hdr& h) {
  h.epoch = r.u64();
  h.round = r.u64();
  h.height = r.u64();
  r.raw(h.parent_id, VIGIL_HASH_LEN);
  r.raw(h.tx_root, VIGIL_HASH_LEN);
  r.raw(h.state_root, VIGIL_HASH_LEN);
  h.proposer = r.u32();
  h.tx_count = r.u32();
  if (h.tx_count > VIGIL_BLOCK_MAX_TXS) r.fail(ParseError::oversized);
}

void put_vote_data(Writer& w, const vigil_vote_data& v) {
  w.raw(v.block_id, VIGIL_HASH_LEN);
  w.u64(v.epoch);
  w.u64(v.round);
  w.u64(v.height);
  w.raw(v.parent_id, VIGIL_HASH_LEN);
  w.u64(v.parent_round);
}

void get_vote_data(Reader& r, vigil_vote_data& v) {
  r.raw(v.block_id, VIGIL_HASH_LEN);
  v.epoch = r.u64();
  v.round = r.u64();
  v.height = r.u64();
  r.raw(v.parent_id, VIGIL_HASH_LEN);
  v.parent_round = r.u64();
}

void put_timeout_data(Writer& w, const vigil_timeout_data& t) {
  w.u64(t.epoch);
  w.u64(t.round);
  w.u64(t.high_qc_round);
}

void get_timeout_data(Reader& r, vigil_timeout_data& t) {
  t.epoch = r.u64();
  t.round = r.u64();
  t.high_qc_round = r.u64();
}

// A flag field: 0 or 1, anything else is not canonical.
bool get_flag(Reader& r) {
  uint32_t v = r.u32();
  if (v > 1) r.fail(ParseError::bad_reserved);
  return v == 1;
}

void get_reserved32(Reader& r) {
  if (r.u32() != 0) r.fail(ParseError::bad_reserved);
}

// --- certificates ----------------------------------------------------------

void put_qc(Writer& w, const QuorumCert& qc) {
  put_vote_data(w, qc.vote);
  w.raw(qc.signers.bits.data(), qc.signers.bits.size());
  w.u32(uint32_t(qc.sigs.size()));
  w.u32(0);
  for (const auto& s : qc.sigs) w.raw(s.data(), s.size());
}

void get_qc(Reader& r, QuorumCert& qc) {
  get_vote_data(r, qc.vote);
  r.raw(qc.signers.bits.data(), qc.signers.bits.size());
  uint32_t count = r.u32();
  get_reserved32(r);
  if (r.err != ParseError::ok) return;
  if (count != qc.signers.count()) return r.fail(ParseError::bad_signers);
  if (size_t(count) * 64 > r.left()) return r.fail(ParseError::truncated);
  qc.sigs.resize(count);
  for (auto& s : qc.sigs) r.raw(s.data(), s.size());
}

void put_tc(Writer& w, const TimeoutCert& tc) {
  w.u64(tc.epoch);
  w.u64(tc.round);
  w.raw(tc.signers.bits.data(), tc.signers.bits.size());
  w.u32(uint32_t(tc.entries.size()));
  w.u32(0);
  for (const auto& e : tc.entries) {
    w.u64(e.high_qc_round);
    w.raw(e.sig.data(), e.sig.size());
  }
}

void get_tc(Reader& r, TimeoutCert& tc) {
  tc.epoch = r.u64();
  tc.round = r.u64();
  r.raw(tc.signers.bits.data(), tc.signers.bits.size());
  uint32_t count = r.u32();
  get_reserved32(r);
  if (r.err != ParseError::ok) return;
  if (count != tc.signers.count()) return r.fail(ParseError::bad_signers);
  if (size_t(count) * sizeof(vigil_tc_entry) > r.left()) return r.fail(ParseError::truncated);
  tc.entries.resize(count);
  for (auto& e : tc.entries) {
    e.high_qc_round = r.u64();
    r.raw(e.sig.data(), e.sig.size());
  }
}

// --- bodies ----------------------------------------------------------------

void put_proposal(Writer& w, const Proposal& p) {
  put_block_hdr(w, p.block.hdr);
  w.u32(p.tc ? 1 : 0);
  w.u32(uint32_t(p.block.txs.size()));
  put_qc(w, p.qc);
  if (p.tc) put_tc(w, *p.tc);
  w.raw(p.block.txs.data(), p.block.txs.size());
}

void get_proposal(Reader& r, Proposal& p) {
  get_block_hdr(r, p.block.hdr);
  bool has_tc = get_flag(r);
  uint32_t tx_bytes = r.u32();
  get_qc(r, p.qc);
  if (has_tc) get_tc(r, p.tc.emplace());
  if (r.err != ParseError::ok) return;
  if (tx_bytes > r.left()) return r.fail(ParseError::truncated);
  p.block.txs.assign(r.in.begin() + ptrdiff_t(r.pos), r.in.begin() + ptrdiff_t(r.pos + tx_bytes));
  r.pos += tx_bytes;
  p.block.id = compute_block_id(p.block.hdr);
}

void put_body(Writer& w, const Message& m) {
  switch (m.type) {
    case VIGIL_MSG_PROPOSAL:
      put_proposal(w, m.proposal);
      break;
    case VIGIL_MSG_VOTE:
      put_vote_data(w, m.vote.data);
      break;
    case VIGIL_MSG_TIMEOUT:
      put_timeout_data(w, m.timeout.data);
      w.u32(m.timeout.tc ? 1 : 0);
      w.u32(0);
      put_qc(w, m.timeout.high_qc);
      if (m.timeout.tc) put_tc(w, *m.timeout.tc);
      break;
    case VIGIL_MSG_SYNC_REQUEST:
      w.raw(m.sync_request.block_id.data(), VIGIL_HASH_LEN);
      w.u64(m.sync_request.from_height);
      w.u32(m.sync_request.max_blocks);
      w.u32(0);
      break;
    case VIGIL_MSG_SYNC_RESPONSE:
      w.u32(uint32_t(m.sync_response.blocks.size()));
      w.u32(m.sync_response.qc ? 1 : 0);
      for (const auto& p : m.sync_response.blocks) put_proposal(w, p);
      if (m.sync_response.qc) put_qc(w, *m.sync_response.qc);
      break;
  }
}

void get_body(Reader& r, Message& m) {
  switch (m.type) {
    case VIGIL_MSG_PROPOSAL:
      get_proposal(r, m.proposal);
      if (r.err == ParseError::ok &&
          (m.proposal.block.hdr.round != m.round || m.proposal.block.hdr.epoch != m.epoch ||
           m.proposal.block.hdr.proposer != m.sender))
        r.fail(ParseError::bad_field);
      break;
    case VIGIL_MSG_VOTE:
      get_vote_data(r, m.vote.data);
      if (r.err == ParseError::ok && (m.vote.data.round != m.round || m.vote.data.epoch != m.epoch))
        r.fail(ParseError::bad_field);
      break;
    case VIGIL_MSG_TIMEOUT: {
      get_timeout_data(r, m.timeout.data);
      bool has_tc = get_flag(r);
      get_reserved32(r);
      get_qc(r, m.timeout.high_qc);
      if (has_tc) get_tc(r, m.timeout.tc.emplace());
      if (r.err == ParseError::ok &&
          (m.timeout.data.round != m.round || m.timeout.data.epoch != m.epoch))
        r.fail(ParseError::bad_field);
      break;
    }
    case VIGIL_MSG_SYNC_REQUEST:
      r.raw(m.sync_request.block_id.data(), VIGIL_HASH_LEN);
      m.sync_request.from_height = r.u64();
      m.sync_request.max_blocks = r.u32();
      get_reserved32(r);
      if (m.sync_request.max_blocks > VIGIL_SYNC_MAX_BLOCKS) r.fail(ParseError::oversized);
      break;
    case VIGIL_MSG_SYNC_RESPONSE: {
      uint32_t count = r.u32();
      bool has_qc = get_flag(r);
      if (count > VIGIL_SYNC_MAX_BLOCKS) return r.fail(ParseError::oversized);
      // Each block needs at least its fixed part and a QC header.
      if (size_t(count) * (sizeof(vigil_proposal_body) + sizeof(vigil_qc_hdr)) > r.left())
        return r.fail(ParseError::truncated);
      m.sync_response.blocks.resize(count);
      for (auto& p : m.sync_response.blocks) get_proposal(r, p);
      if (has_qc) get_qc(r, m.sync_response.qc.emplace());
      break;
    }
  }
}

void put_header(Writer& w, const Message& m, uint32_t body_len) {
  w.u8(VIGIL_WIRE_VERSION);
  w.u8(uint8_t(m.type));
  w.u8(VIGIL_SCHEME_ED25519);
  w.u8(0);
  w.u32(body_len);
  w.u64(m.epoch);
  w.u64(m.round);
  w.u32(m.sender);
  w.u32(0);
}

Bytes with_domain(std::string_view domain, size_t reserve) {
  Bytes out;
  out.reserve(domain.size() + reserve);
  out.insert(out.end(), domain.begin(), domain.end());
  return out;
}

}  // namespace

std::string_view parse_error_name(ParseError e) {
  size_t i = size_t(e);
  return i < std::size(kErrorNames) ? kErrorNames[i] : "unknown";
}

ParseError decode(ByteView in, Message& out) {
  constexpr size_t kHdr = sizeof(vigil_msg_hdr), kSig = 64;
  if (in.size() < kHdr + kSig) return ParseError::short_input;
  if (in.size() > kMaxMessageBytes) return ParseError::oversized;
  Reader r{in};
  if (r.u8() != VIGIL_WIRE_VERSION) return ParseError::bad_version;
  uint8_t type = r.u8();
  if (type < VIGIL_MSG_PROPOSAL || type > VIGIL_MSG_SYNC_RESPONSE) return ParseError::bad_type;
  if (r.u8() != VIGIL_SCHEME_ED25519) return ParseError::bad_scheme;
  if (r.u8() != 0) return ParseError::bad_reserved;
  uint32_t body_len = r.u32();
  if (size_t(body_len) != in.size() - kHdr - kSig) return ParseError::bad_length;
  out = Message{};
  out.type = vigil_msg_type(type);
  out.epoch = r.u64();
  out.round = r.u64();
  out.sender = r.u32();
  if (r.u32() != 0) return ParseError::bad_reserved;
  if (out.sender >= VIGIL_MAX_VALIDATORS) return ParseError::bad_field;
  // The body is parsed from a view that ends where the signature starts.
  Reader body{in.subspan(kHdr, body_len)};
  get_body(body, out);
  if (body.err != ParseError::ok) return body.err;
  if (body.left() != 0) return ParseError::trailing_bytes;
  std::memcpy(out.sig.data(), in.data() + kHdr + body_len, kSig);
  return ParseError::ok;
}

Bytes encode(const Message& m) {
  Bytes body;
  Writer bw{body};
  put_body(bw, m);
  Bytes out;
  out.reserve(sizeof(vigil_msg_hdr) + body.size() + 64);
  Writer w{out};
  put_header(w, m, uint32_t(body.size()));
  w.raw(body.data(), body.size());
  w.raw(m.sig.data(), m.sig.size());
  return out;
}

Bytes encode_vote_data(const vigil_vote_data& v) {
  Bytes out;
  Writer w{out};
  put_vote_data(w, v);
  return out;
}

bool decode_vote_data(ByteView in, vigil_vote_data& out) {
  if (in.size() != sizeof(vigil_vote_data)) return false;
  Reader r{in};
  get_vote_data(r, out);
  return r.err == ParseError::ok;
}

Bytes vote_signing_bytes(const vigil_vote_data& v) {
  Bytes out = with_domain(VIGIL_DOMAIN_VOTE, sizeof v);
  Writer w{out};
  put_vote_data(w, v);
  return out;
}

Bytes timeout_signing_bytes(const vigil_timeout_data& t) {
  Bytes out = with_domain(VIGIL_DOMAIN_TIMEOUT, sizeof t);
  Writer w{out};
  put_timeout_data(w, t);
  return out;
}

Bytes message_signing_bytes(const Message& m, ByteView encoded) {
  switch (m.type) {
    case VIGIL_MSG_VOTE:
      return vote_signing_bytes(m.vote.data);
    case VIGIL_MSG_TIMEOUT:
      return timeout_signing_bytes(m.timeout.data);
    default:
      break;
  }
  std::string_view domain =
      m.type == VIGIL_MSG_PROPOSAL ? VIGIL_DOMAIN_PROPOSAL : VIGIL_DOMAIN_SYNC;
  size_t unsigned_len = encoded.size() - 64;
  Bytes out = with_domain(domain, unsigned_len);
  out.insert(out.end(), encoded.begin(), encoded.begin() + ptrdiff_t(unsigned_len));
  return out;
}

Bytes encode_block_hdr(const vigil_block_hdr& h) {
  Bytes out;
  out.reserve(sizeof h);
  Writer w{out};
  put_block_hdr(w, h);
  return out;
}

bool decode_block_hdr(ByteView in, vigil_block_hdr& out) {
  if (in.size() != sizeof(vigil_block_hdr)) return false;
  Reader r{in};
  get_block_hdr(r, out);
  return r.err == ParseError::ok;
}

BlockId compute_block_id(const vigil_block_hdr& h) {
  // SHA-256 of the 128-byte header, per the contract.
  return crypto::sha256(encode_block_hdr(h));
}

std::vector<ByteView> split_frames(ByteView frames) {
  constexpr size_t kFixed = sizeof(vigil_tx_frame_ed25519) + VIGIL_TX_CRC_LEN;
  std::vector<ByteView> out;
  size_t at = 0;
  while (at < frames.size()) {
    size_t left = frames.size() - at, len = left;
    if (left >= sizeof(vigil_tx_frame_hdr)) {
      size_t payload = size_t(frames[at + 2]) | size_t(frames[at + 3]) << 8;
      if (kFixed + payload <= left) len = kFixed + payload;
    }
    out.push_back(frames.subspan(at, len));
    at += len;
  }
  return out;
}

size_t encoded_size(const QuorumCert& qc) {
  return sizeof(vigil_qc_hdr) + 64 * qc.sigs.size();
}

size_t encoded_size(const Proposal& p) {
  size_t tc = p.tc ? sizeof(vigil_tc_hdr) + sizeof(vigil_tc_entry) * p.tc->entries.size() : 0;
  return sizeof(vigil_proposal_body) + encoded_size(p.qc) + tc + p.block.txs.size();
}

BlockId compute_tx_root(ByteView frames) {
  return crypto::merkle_root(split_frames(frames));
}

Block make_block(const vigil_block_hdr& h, Bytes frames) {
  Block b;
  b.hdr = h;
  BlockId root = compute_tx_root(frames);
  std::memcpy(b.hdr.tx_root, root.data(), VIGIL_HASH_LEN);
  b.txs = std::move(frames);
  b.id = compute_block_id(b.hdr);
  return b;
}

Block make_block(Epoch epoch, Round round, uint64_t height, const BlockId& parent,
                 ValidatorIndex proposer, Bytes frames) {
  vigil_block_hdr h{};
  h.epoch = epoch;
  h.round = round;
  h.height = height;
  std::memcpy(h.parent_id, parent.data(), VIGIL_HASH_LEN);
  h.proposer = proposer;
  h.tx_count = 1;
  return make_block(h, std::move(frames));
}

}  // namespace vigil::consensus
