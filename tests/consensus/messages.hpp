// One well-formed message of each consensus type (signatures are filler:
// the codec does not check them), for codec tests and the fuzz corpus.
#pragma once

#include <cstring>
#include <vector>

#include "host/consensus/wire.hpp"

namespace vigil::consensus::test {

inline QuorumCert sample_qc(Round r, uint32_t signers) {
  QuorumCert qc;
  std::memset(qc.vote.block_id, int(0x10 + r), VIGIL_HASH_LEN);
  qc.vote.epoch = 1;
  qc.vote.round = r;
  qc.vote.height = r;
  std::memset(qc.vote.parent_id, int(0x0f + r), VIGIL_HASH_LEN);
  qc.vote.parent_round = r - 1;
  for (uint32_t i = 0; i < signers; ++i) {
    qc.signers.add(i);
    Signature s;
    s.fill(uint8_t(0xa0 + i));
    qc.sigs.push_back(s);
  }
  return qc;
}

inline TimeoutCert sample_tc(Round r, uint32_t signers) {
  TimeoutCert tc;
  tc.epoch = 1;
  tc.round = r;
  for (uint32_t i = 0; i < signers; ++i) {
    tc.signers.add(i);
    Signature s;
    s.fill(uint8_t(0xb0 + i));
    tc.entries.push_back({r - 1 - (i % 2), s});
  }
  return tc;
}

inline std::vector<Message> sample_messages() {
  std::vector<Message> out;
  Message p;
  p.type = VIGIL_MSG_PROPOSAL;
  p.epoch = 1;
  p.round = 7;
  p.sender = 3;
  p.proposal.qc = sample_qc(5, 3);
  p.proposal.tc = sample_tc(6, 3);
  vigil_block_hdr& h = p.proposal.block.hdr;
  h.epoch = 1;
  h.round = 7;
  h.height = 6;
  std::memcpy(h.parent_id, p.proposal.qc.vote.block_id, VIGIL_HASH_LEN);
  h.proposer = 3;
  h.tx_count = 2;
  p.proposal.block.txs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  p.proposal.block.id = compute_block_id(h);
  p.sig.fill(0x33);
  out.push_back(p);

  Message v;
  v.type = VIGIL_MSG_VOTE;
  v.epoch = 1;
  v.round = 7;
  v.sender = 2;
  std::memcpy(v.vote.data.block_id, p.proposal.block.id.data(), VIGIL_HASH_LEN);
  v.vote.data.epoch = 1;
  v.vote.data.round = 7;
  v.vote.data.height = 6;
  std::memcpy(v.vote.data.parent_id, h.parent_id, VIGIL_HASH_LEN);
  v.vote.data.parent_round = 5;
  v.sig.fill(0x44);
  out.push_back(v);

  Message t;
  t.type = VIGIL_MSG_TIMEOUT;
  t.epoch = 1;
  t.round = 7;
  t.sender = 1;
  t.timeout.data = {1, 7, 5};
  t.timeout.high_qc = sample_qc(5, 3);
  t.timeout.tc = sample_tc(6, 3);
  t.sig.fill(0x55);
  out.push_back(t);

  Message q;
  q.type = VIGIL_MSG_SYNC_REQUEST;
  q.epoch = 1;
  q.round = 7;
  q.sender = 0;
  q.sync_request.block_id.fill(0x66);
  q.sync_request.from_height = 2;
  q.sync_request.max_blocks = 16;
  q.sig.fill(0x77);
  out.push_back(q);

  Message r;
  r.type = VIGIL_MSG_SYNC_RESPONSE;
  r.epoch = 1;
  r.round = 8;
  r.sender = 3;
  r.sync_response.blocks.push_back(p.proposal);
  r.sync_response.blocks.back().tc.reset();
  r.sync_response.blocks.push_back(p.proposal);
  r.sync_response.qc = sample_qc(7, 3);
  r.sig.fill(0x88);
  out.push_back(r);
  return out;
}

}  // namespace vigil::consensus::test
