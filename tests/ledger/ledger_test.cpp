// The ledger: commit and reopen at one height, refusals of every bad block,
// determinism across stores, catch-up replay (and its refusal of a forged
// QC), proofs at retained heights and their end once pruned, consensus
// storage through the core's interface.
#include <gtest/gtest.h>
#include <vigil/fi/p2p.h>

#include <cstring>

#include "host/consensus/wire.hpp"
#include "host/ledger/audit.hpp"
#include "tests/ledger/ledger_util.hpp"

namespace vigil::ledger {
namespace {

using test::TempDir;

TEST(Ledger, CommitsAndReopensAtOneHeight) {
  TempDir t;
  Hash root3{};
  BlockId tip{};
  consensus::SafetyState safety;
  safety.epoch = 1;
  safety.last_voted_round = 9;
  safety.last_vote = vigil_vote_data{};
  safety.last_vote->round = 9;
  {
    auto l = test::make_chain(t.sub("a"), 3, 10);
    ASSERT_TRUE(l);
    EXPECT_EQ(l->height(), 3u);
    root3 = *l->state_root(3);
    tip = l->tip_id();
    l->save_safety(safety);
  }
  std::string err;
  auto l = Ledger::open(t.sub("a"), {}, &err);
  ASSERT_TRUE(l) << err;
  EXPECT_EQ(l->height(), 3u);
  EXPECT_EQ(l->tip_id(), tip);
  EXPECT_EQ(*l->state_root(3), root3);
  auto s = l->safety();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->last_voted_round, 9u);
  ASSERT_TRUE(s->last_vote);
  EXPECT_EQ(s->last_vote->round, 9u);
  // consensus::Storage sees the committed chain.
  ASSERT_TRUE(l->committed());
  EXPECT_EQ(l->committed()->height, 3u);
  const consensus::Block* b = l->block(tip);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->hdr.height, 3u);
  ASSERT_TRUE(l->qc_for(tip));
  EXPECT_EQ(l->qc_for(tip)->block_id(), tip);
  ASSERT_TRUE(l->epoch());
  EXPECT_EQ(l->epoch()->validators.size(), 4u);
  // Every frame is indexed by its signature.
  auto cb = l->block_at(2);
  ASSERT_TRUE(cb);
  auto frames = consensus::split_frames(cb->block.txs);
  ingest::FrameView f;
  ASSERT_EQ(ingest::parse_frame(frames[4], f), VIGIL_OK);
  auto loc = l->find_tx(std::span<const uint8_t, 64>(f.signature, 64));
  ASSERT_EQ(loc.size(), 1u);
  EXPECT_EQ(loc[0].height, 2u);
  EXPECT_EQ(loc[0].index, 4u);
}

TEST(Ledger, RefusesBlocksThatDoNotFollow) {
  TempDir t;
  auto l = test::make_chain(t.sub("a"), 1, 5);
  ASSERT_TRUE(l);
  Workload w(test::small_config());
  w.load_nonces(*l);
  auto [good, qc] = w.next_block(*l, w.transfers(2, 5));
  auto expect_refused = [&](const Block& b, const QuorumCert& q, const char* why) {
    CommitResult r = l->commit(b, q);
    EXPECT_FALSE(r.ok()) << why;
    EXPECT_EQ(l->height(), 1u) << why;
  };
  Block b = good;
  b.hdr.parent_id[0] ^= 1;
  b.id = consensus::compute_block_id(b.hdr);
  expect_refused(b, sign_qc(b, w.validators(), 3), "wrong parent");
  b = good;
  b.txs[200] ^= 1;  // frames no longer match the tx root
  expect_refused(b, qc, "tx root");
  b = good;
  b.hdr.state_root[0] ^= 1;
  b.id = consensus::compute_block_id(b.hdr);
  expect_refused(b, sign_qc(b, w.validators(), 3), "state root");
  b = good;
  b.hdr.height = 3;
  b.id = consensus::compute_block_id(b.hdr);
  expect_refused(b, sign_qc(b, w.validators(), 3), "height");
  QuorumCert other = qc;
  other.vote.block_id[0] ^= 1;
  expect_refused(good, other, "QC for another block");
  EXPECT_TRUE(l->commit(good, qc).ok());
  EXPECT_EQ(l->height(), 2u);
  EXPECT_FALSE(l->commit(good, qc).ok());  // the same block again
  EXPECT_EQ(l->height(), 2u);
}

TEST(Ledger, SameBlocksOnTwoStoresGiveSameRootsAndReceipts) {
  TempDir t;
  auto a = test::make_chain(t.sub("a"), 4, 25);
  auto b = test::make_chain(t.sub("b"), 4, 25);
  ASSERT_TRUE(a && b);
  for (uint64_t h = 0; h <= 4; ++h) {
    EXPECT_EQ(*a->state_root(h), *b->state_root(h)) << h;
    auto ra = a->block_at(h), rb = b->block_at(h);
    ASSERT_TRUE(ra && rb);
    ASSERT_EQ(ra->receipts.size(), rb->receipts.size());
    EXPECT_EQ(std::memcmp(ra->receipts.data(), rb->receipts.data(),
                          ra->receipts.size() * sizeof(vigil_receipt)),
              0);
  }
}

// The state roots of 6 blocks committed with the given cache sizes, the
// store reopened after the third.
std::vector<Hash> roots_with_caches(const std::string& dir, size_t accounts, size_t pages) {
  Workload w(test::small_config());
  std::vector<Hash> roots;
  for (int part = 0; part < 2; ++part) {
    LedgerOptions o;
    o.account_cache_entries = accounts;
    o.page_cache_entries = pages;
    std::string err;
    auto l = Ledger::open(dir, o, &err);
    if (!l) {
      ADD_FAILURE() << err;
      return roots;
    }
    if (part == 0) {
      EXPECT_EQ(l->init_genesis(w.genesis()), "");
    }
    w.load_nonces(*l);
    for (int i = 0; i < 3; ++i) {
      auto [b, qc] = w.next_block(*l, w.transfers(l->height() + 1, 30));
      CommitResult r = l->commit(b, qc);
      EXPECT_TRUE(r.ok()) << r.error;
      roots.push_back(r.state_root);
    }
  }
  return roots;
}

// Caches never change a result: a cache that holds every account record
// answers an absent key itself, one that turned over or was never filled
// asks the store, and none gives another state.
TEST(Ledger, CacheSizesNeverChangeTheState) {
  TempDir t;
  const LedgerOptions d;
  const std::vector<Hash> want =
      roots_with_caches(t.sub("a"), d.account_cache_entries, d.page_cache_entries);
  EXPECT_EQ(want.size(), 6u);
  EXPECT_EQ(roots_with_caches(t.sub("b"), 20, 20), want);  // generations turn over
  EXPECT_EQ(roots_with_caches(t.sub("c"), 4, 4), want);    // warming stops early
  EXPECT_EQ(roots_with_caches(t.sub("d"), 0, 0), want);    // no caches
  for (const char* dir : {"a", "b", "c", "d"}) EXPECT_TRUE(audit_store(t.sub(dir)).ok) << dir;
}

TEST(Ledger, CatchUpReplaysCertifiedBlocksAndRefusesAForgedQc) {
  TempDir t;
  auto a = test::make_chain(t.sub("a"), 5, 10);
  auto b = test::make_chain(t.sub("b"), 0, 0);
  ASSERT_TRUE(a && b);
  auto range = a->block_range(1, 3);
  ASSERT_EQ(range.size(), 3u);
  EXPECT_EQ(b->replay(range), "");
  EXPECT_EQ(b->height(), 3u);
  EXPECT_EQ(*b->state_root(3), *a->state_root(3));
  auto rest = a->block_range(4, 64);
  ASSERT_EQ(rest.size(), 2u);
  rest[0].qc.sigs[1][10] ^= 1;
  EXPECT_NE(b->replay(rest), "");
  EXPECT_EQ(b->height(), 3u);
  rest = a->block_range(4, 64);
  rest[0].qc.signers = {};  // too few signers
  rest[0].qc.signers.add(0);
  rest[0].qc.sigs.resize(1);
  EXPECT_NE(b->replay(rest), "");
  rest = a->block_range(4, 64);
  EXPECT_EQ(b->replay(rest), "");
  EXPECT_EQ(*b->state_root(5), *a->state_root(5));
}

TEST(Ledger, ProofsAtRetainedHeightsPrunedOnesRefused) {
  TempDir t;
  auto l = test::make_chain(t.sub("a"), 6, 10, /*keep=*/2);
  ASSERT_TRUE(l);
  Workload w(test::small_config());
  PublicKey sender = w.senders()[1].public_key;
  for (uint64_t h : {4ull, 5ull, 6ull}) {
    std::string err;
    auto at = l->account_at(sender, h, &err);
    ASSERT_TRUE(at) << h << ": " << err;
    ASSERT_TRUE(at->account);
    EXPECT_TRUE(execution::verify_account_proof(at->state_root, sender, at->account, at->proof));
    if (h < 6) {  // against block h + 1's header
      Hash from_header;
      std::memcpy(from_header.data(), l->block_at(h + 1)->block.hdr.state_root, 32);
      EXPECT_EQ(from_header, at->state_root);
    }
    execution::Account wrong = *at->account;
    wrong.balance += 1;
    EXPECT_FALSE(execution::verify_account_proof(at->state_root, sender, wrong, at->proof));
    EXPECT_FALSE(
        execution::verify_account_proof(*l->state_root(h - 1), sender, at->account, at->proof));
  }
  PublicKey nobody{};
  nobody[0] = 0x42;
  std::string err;
  auto absent = l->account_at(nobody, 6, &err);
  ASSERT_TRUE(absent);
  EXPECT_FALSE(absent->account);
  EXPECT_TRUE(
      execution::verify_account_proof(absent->state_root, nobody, std::nullopt, absent->proof));
  EXPECT_FALSE(execution::verify_account_proof(absent->state_root, nobody, execution::Account{},
                                               absent->proof));
  EXPECT_FALSE(l->account_at(sender, 1, &err));  // pruned
  EXPECT_NE(err.find("pruned"), std::string::npos);
}

TEST(Ledger, KeepsUncommittedConsensusBlocksInMemoryOnly) {
  TempDir t;
  BlockId pending_id{};
  {
    auto l = test::make_chain(t.sub("a"), 1, 3);
    ASSERT_TRUE(l);
    Workload w(test::small_config());
    w.load_nonces(*l);
    auto [b, qc] = w.next_block(*l, w.transfers(2, 3));
    l->put_block(b);
    l->put_qc(qc);
    l->put_high_qc(qc);
    pending_id = b.id;
    ASSERT_TRUE(l->block(pending_id));
    ASSERT_TRUE(l->qc_for(pending_id));
  }
  auto l = Ledger::open(t.sub("a"), {}, nullptr);
  ASSERT_TRUE(l);
  EXPECT_FALSE(l->block(pending_id));  // re-fetched after a restart
  ASSERT_TRUE(l->high_qc());
  EXPECT_EQ(l->high_qc()->block_id(), pending_id);
  EXPECT_EQ(l->committed()->height, 1u);
}

TEST(Ledger, OpeningGarbageIsAnErrorNotACrash) {
  TempDir t;
  std::filesystem::create_directories(t.sub("junk"));
  std::FILE* f = std::fopen(t.sub("junk/CURRENT").c_str(), "w");
  std::fputs("not a manifest\n", f);
  std::fclose(f);
  std::string err;
  LedgerOptions ro;
  ro.read_only = true;
  EXPECT_FALSE(Ledger::open(t.sub("junk"), ro, &err));
  EXPECT_NE(err, "");
  EXPECT_FALSE(Ledger::open(t.sub("absent"), ro, &err));
  EXPECT_NE(err, "");
}

// The state root is the binary tree's, whatever the storage: this chain's
// root at height 6 as format 1 (a record per node) computed it, before pages.
TEST(Ledger, StateRootIsTheSameAsBeforePages) {
  TempDir t;
  auto l = test::make_chain(t.sub("a"), 6, 12);
  ASSERT_TRUE(l);
  const char* want = "2B8EE757BF74F2F18D59FC2668FFE9284FC0C2805AD2EDA72B5CECDF04CC9F8B";
  Hash root = *l->state_root(6);
  std::string got;
  for (uint8_t b : root) got += "0123456789ABCDEF"[b >> 4], got += "0123456789ABCDEF"[b & 15];
  EXPECT_EQ(got, want);
}

// A store of an old layout (a record per state node, format 1; pages node
// by node, format 2) is refused with the reason, read-only (audit) and
// read-write alike, never misread.
TEST(Ledger, OldFormatStoreIsRefusedByName) {
  TempDir t;
  ASSERT_TRUE(test::make_chain(t.sub("a"), 2, 5));
  {
    test::RawDb db(t.sub("a"));
    EXPECT_EQ(db.get("meta", "format"), "vigil-ledger/3");
  }
  for (const char* old : {"vigil-ledger/1", "vigil-ledger/2"}) {
    test::RawDb(t.sub("a")).put("meta", "format", old);
    for (bool read_only : {true, false}) {
      LedgerOptions o;
      o.read_only = read_only;
      std::string err;
      EXPECT_FALSE(Ledger::open(t.sub("a"), o, &err));
      EXPECT_NE(err.find(old), std::string::npos) << err;
      EXPECT_NE(err.find("re-create"), std::string::npos) << err;
    }
  }
}

// A proof read once from an older retained height is not served from a
// cache after that height is pruned.
TEST(Ledger, PrunedHeightsAreRefusedEvenAfterTheirPagesWereRead) {
  TempDir t;
  LedgerOptions o;
  o.prune_keep = 2;
  std::string err;
  auto l = Ledger::open(t.sub("a"), o, &err);
  ASSERT_TRUE(l) << err;
  Workload w(test::small_config());
  ASSERT_EQ(l->init_genesis(w.genesis()), "");
  w.load_nonces(*l);
  const PublicKey sender = w.senders()[1].public_key;
  for (int i = 0; i < 6; ++i) {
    auto [b, qc] = w.next_block(*l, w.transfers(l->height() + 1, 10));
    ASSERT_TRUE(l->commit(b, qc).ok());
    ASSERT_TRUE(l->account_at(sender, l->height() - 1, &err)) << err;  // reads retained pages
  }
  EXPECT_FALSE(l->account_at(sender, l->height() - 3, &err));
  EXPECT_NE(err.find("pruned"), std::string::npos);
}

// A block of 10,000 transfers is a valid proposal on the wire (count and
// bytes within the limits) and a valid ledger record; a header above
// VIGIL_BLOCK_MAX_TXS is refused by the one header decoder both use.
TEST(Ledger, TenThousandTransferBlocksFitTheWireAndTheStore) {
  TempDir t;
  auto l = test::make_chain(t.sub("a"), 0, 0);
  ASSERT_TRUE(l);
  Workload w(test::small_config());
  w.load_nonces(*l);
  auto [b, qc] = w.next_block(*l, w.transfers(1, 10000));
  ASSERT_EQ(b.hdr.tx_count, 10000u);
  consensus::Message m;
  m.type = VIGIL_MSG_PROPOSAL;
  m.epoch = b.hdr.epoch;
  m.round = b.hdr.round;
  m.sender = b.hdr.proposer;
  m.proposal.block = b;
  m.proposal.qc = consensus::epoch_root_qc(*l->epoch());
  const Bytes wire = consensus::encode(m);
  EXPECT_LT(wire.size(), consensus::kMaxMessageBytes);
  EXPECT_LE(wire.size(), size_t(VIGIL_P2P_MAX_MESSAGE));
  consensus::Message back;
  ASSERT_EQ(consensus::decode(wire, back), consensus::ParseError::ok);
  EXPECT_EQ(back.proposal.block.id, b.id);
  ASSERT_TRUE(l->commit(b, qc).ok());
  auto stored = l->block_at(1);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->block.hdr.tx_count, 10000u);

  vigil_block_hdr h = b.hdr;
  h.tx_count = VIGIL_BLOCK_MAX_TXS + 1;
  vigil_block_hdr out{};
  EXPECT_FALSE(consensus::decode_block_hdr(consensus::encode_block_hdr(h), out));
  Block big = b;
  big.hdr = h;
  EXPECT_FALSE(decode_block(encode_block(big)));
  h.tx_count = VIGIL_BLOCK_MAX_TXS;
  EXPECT_TRUE(consensus::decode_block_hdr(consensus::encode_block_hdr(h), out));
}

}  // namespace
}  // namespace vigil::ledger
