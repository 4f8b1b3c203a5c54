// The consensus wire codec: every message type round-trips byte for byte,
// the encoding is the contract's little-endian layout, and malformed input
// is rejected with the reason. Also the evidence and reconfiguration formats.
#include "host/consensus/wire.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "host/consensus/epoch.hpp"
#include "host/consensus/evidence.hpp"
#include "tests/consensus/messages.hpp"

namespace vigil::consensus {
namespace {

using test::sample_messages;

TEST(Wire, EveryTypeRoundTrips) {
  for (const Message& m : sample_messages()) {
    Bytes bytes = encode(m);
    Message back;
    ASSERT_EQ(decode(bytes, back), ParseError::ok) << "type " << m.type;
    EXPECT_EQ(encode(back), bytes) << "type " << m.type;
    EXPECT_EQ(back.type, m.type);
    EXPECT_EQ(back.round, m.round);
    EXPECT_EQ(back.sig, m.sig);
  }
}

TEST(Wire, HeaderIsTheContractLayout) {
  Message v = sample_messages()[1];
  ASSERT_EQ(v.type, VIGIL_MSG_VOTE);
  Bytes b = encode(v);
  ASSERT_EQ(b.size(), sizeof(vigil_msg_hdr) + sizeof(vigil_vote_data) + 64);
  EXPECT_EQ(b[0], VIGIL_WIRE_VERSION);
  EXPECT_EQ(b[1], VIGIL_MSG_VOTE);
  EXPECT_EQ(b[2], VIGIL_SCHEME_ED25519);
  uint32_t body_len =
      uint32_t(b[4]) | uint32_t(b[5]) << 8 | uint32_t(b[6]) << 16 | uint32_t(b[7]) << 24;
  EXPECT_EQ(body_len, sizeof(vigil_vote_data));
  EXPECT_EQ(b[offsetof(vigil_msg_hdr, round)], uint8_t(v.round));  // little-endian
  EXPECT_EQ(b[offsetof(vigil_msg_hdr, sender)], uint8_t(v.sender));
  // The vote's signed bytes are the domain string then the 96-byte data.
  Bytes sb = vote_signing_bytes(v.vote.data);
  ASSERT_EQ(sb.size(), std::strlen(VIGIL_DOMAIN_VOTE) + 96);
  EXPECT_EQ(0, std::memcmp(sb.data(), VIGIL_DOMAIN_VOTE, std::strlen(VIGIL_DOMAIN_VOTE)));
  EXPECT_EQ(0, std::memcmp(sb.data() + std::strlen(VIGIL_DOMAIN_VOTE), b.data() + 32, 96));
}

TEST(Wire, RejectsMalformedInputWithItsReason) {
  Bytes good = encode(sample_messages()[0]);  // a proposal with a TC
  Message m;
  auto with = [&](auto&& edit) {
    Bytes b = good;
    edit(b);
    return decode(b, m);
  };
  EXPECT_EQ(decode(ByteView{good.data(), 50}, m), ParseError::short_input);
  EXPECT_EQ(with([](Bytes& b) { b[0] = 9; }), ParseError::bad_version);
  EXPECT_EQ(with([](Bytes& b) { b[1] = 77; }), ParseError::bad_type);
  EXPECT_EQ(with([](Bytes& b) { b[2] = 2; }), ParseError::bad_scheme);
  EXPECT_EQ(with([](Bytes& b) { b[3] = 1; }), ParseError::bad_reserved);
  EXPECT_EQ(with([](Bytes& b) { b.push_back(0); }), ParseError::bad_length);
  EXPECT_EQ(with([](Bytes& b) { b[28] = 1; }), ParseError::bad_reserved);  // hdr.reserved1
  EXPECT_EQ(with([](Bytes& b) { b[16] ^= 1; }), ParseError::bad_field);    // round != block's
  // has_tc = 2 is not a flag.
  EXPECT_EQ(with([](Bytes& b) { b[32 + 128] = 2; }), ParseError::bad_reserved);
  // A QC whose bitmap claims one more signer than signatures follow.
  size_t qc = 32 + sizeof(vigil_proposal_body);
  EXPECT_EQ(with([&](Bytes& b) { b[qc + 96 + 15] |= 0x80; }), ParseError::bad_signers);
  // tx_bytes larger than what is there.
  EXPECT_EQ(with([](Bytes& b) { b[32 + 132 + 2] = 0x10; }), ParseError::truncated);
  // Cut the body short but keep body_len consistent: truncated or trailing.
  Bytes cut = good;
  cut.erase(cut.end() - 64 - 3, cut.end() - 64);
  uint32_t len = uint32_t(cut.size() - 96);
  for (int i = 0; i < 4; ++i) cut[4 + size_t(i)] = uint8_t(len >> (8 * i));
  EXPECT_EQ(decode(cut, m), ParseError::truncated);
  EXPECT_EQ(parse_error_name(ParseError::bad_signers), "bad_signers");
}

TEST(Wire, SyncRequestCountIsBounded) {
  Message m = sample_messages()[3];
  ASSERT_EQ(m.type, VIGIL_MSG_SYNC_REQUEST);
  m.sync_request.max_blocks = VIGIL_SYNC_MAX_BLOCKS + 1;
  Message back;
  EXPECT_EQ(decode(encode(m), back), ParseError::oversized);
}

TEST(Wire, CommittedFuzzCorpusDecodes) {
  // Every seed of the fuzz corpus is a valid message (so the fuzzer starts
  // from inputs that reach deep into the parser).
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(VIGIL_SOURCE_DIR) +
                                                           "/tests/consensus/corpus")) {
    if (e.path().extension() != ".bin") continue;  // committed seeds only
    std::ifstream in(e.path(), std::ios::binary);
    Bytes b{std::istreambuf_iterator<char>(in), {}};
    Message m;
    EXPECT_EQ(decode(b, m), ParseError::ok) << e.path();
    ++files;
  }
  EXPECT_GE(files, 5u);
}

TEST(Evidence, SerializesAndParsesBack) {
  std::vector<Evidence> list(2);
  list[0] = {EvidenceKind::double_vote, 3, 1, 17, {1, 2, 3}, {4, 5}};
  list[1] = {EvidenceKind::double_proposal, 0, 2, 9, Bytes(300, 7), Bytes(301, 8)};
  Bytes file = serialize_evidence(list);
  std::vector<Evidence> back;
  ASSERT_TRUE(parse_evidence(file, back));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].second, list[1].second);
  EXPECT_EQ(back[0].round, 17u);
  EXPECT_NE(describe(back[0]).find("validator 3 double vote"), std::string::npos);
  file.pop_back();
  EXPECT_FALSE(parse_evidence(file, back));
}

TEST(Epoch, ReconfigurationRoundTripsAndQuorums) {
  std::vector<PublicKey> keys(7);
  for (size_t i = 0; i < keys.size(); ++i) keys[i].fill(uint8_t(i));
  Bytes tx = encode_reconfiguration(keys);
  auto back = parse_reconfiguration(tx);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, keys);
  tx.pop_back();
  EXPECT_FALSE(parse_reconfiguration(tx));
  ValidatorSet s{1, keys};
  EXPECT_EQ(s.max_faulty(), 2u);
  EXPECT_EQ(s.quorum(), 5u);
  EXPECT_EQ(s.leader(9), 2u);
  s.keys.resize(4);
  EXPECT_EQ(s.quorum(), 3u);
}

}  // namespace
}  // namespace vigil::consensus
