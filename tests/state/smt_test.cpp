// The sparse Merkle tree: roots equal a from-scratch reference for any
// insertion order, updates touch O(k log n) nodes, proofs of presence and
// absence verify, and a changed byte, another root or another value fails.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "host/crypto/sha2.hpp"
#include "host/state/memory_store.hpp"

namespace vigil::state {
namespace {

Hash key_of(uint64_t i) {
  std::string s = "key-" + std::to_string(i);
  return crypto::sha256({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}
Bytes value_of(uint64_t i, uint64_t v) {
  Bytes b(16);
  for (int k = 0; k < 8; ++k)
    b[size_t(k)] = uint8_t(i >> (8 * k)), b[size_t(8 + k)] = uint8_t(v >> (8 * k));
  return b;
}

// The definition, recomputed from all leaves with no store.
Hash reference_root(std::span<const std::pair<Hash, Bytes>> leaves, uint16_t depth = 0) {
  if (leaves.empty()) return Hash{};
  if (leaves.size() == 1) return leaf_hash(leaves[0].first, leaves[0].second);
  auto mid = std::partition_point(leaves.begin(), leaves.end(),
                                  [&](const auto& l) { return !key_bit(l.first, depth); });
  return internal_hash(reference_root({leaves.begin(), mid}, uint16_t(depth + 1)),
                       reference_root({mid, leaves.end()}, uint16_t(depth + 1)));
}

struct Tree {
  MemoryNodeStore store;
  ChildRef root;
  uint64_t version = 0;
  std::map<Hash, Bytes> leaves;
  uint64_t keep = 0;

  TreeUpdate put(const std::map<Hash, Bytes>& ups) {
    std::vector<LeafUpdate> v;
    for (const auto& [k, b] : ups) v.push_back({k, b}), leaves[k] = b;
    std::string err;
    auto u = apply_updates(store, root, ++version, v, &err);
    EXPECT_TRUE(u) << err;
    store.commit(version, *u, keep);
    root = u->root;
    return *u;
  }
  Hash reference() const {
    std::vector<std::pair<Hash, Bytes>> all(leaves.begin(), leaves.end());
    return reference_root(all);
  }
};

TEST(Smt, RootMatchesReferenceAcrossBatches) {
  Tree t;
  std::mt19937_64 rng(7);
  for (int batch = 0; batch < 20; ++batch) {
    std::map<Hash, Bytes> ups;
    for (int i = 0; i < 50; ++i) {
      uint64_t k = rng() % 400;  // overwrites as well as inserts
      ups[key_of(k)] = value_of(k, rng());
    }
    t.put(ups);
    ASSERT_EQ(t.root.hash, t.reference()) << "batch " << batch;
  }
  // One key alone is a leaf at the root.
  Tree one;
  one.put({{key_of(1), value_of(1, 1)}});
  EXPECT_EQ(one.root.kind, ChildKind::leaf);
  EXPECT_EQ(one.root.hash, leaf_hash(key_of(1), value_of(1, 1)));
}

TEST(Smt, UpdateTouchesLogNodes) {
  Tree t;
  std::map<Hash, Bytes> all;
  for (uint64_t i = 0; i < 20000; ++i) all[key_of(i)] = value_of(i, 0);
  t.put(all);
  std::map<Hash, Bytes> few;
  for (uint64_t i = 0; i < 100; ++i) few[key_of(i * 197)] = value_of(i, 1);
  TreeUpdate u = t.put(few);
  // log2(20000) ~ 14.3: 100 paths of ~16 nodes in 4 or 5 pages, each page
  // rewritten whole (up to 15 nodes), shared near the root.
  const size_t pages = group_pages(u.writes).size();
  EXPECT_LT(pages, 100u * 6);
  EXPECT_GT(pages, 100u * 2);
  EXPECT_LT(u.writes.size(), 100u * 40);
  EXPECT_GT(u.writes.size(), 100u * 8);
  EXPECT_EQ(u.stale.size(), u.writes.size());  // each rewritten node replaced once
  EXPECT_EQ(stale_pages(u.stale).size(), pages);
  EXPECT_EQ(t.root.hash, t.reference());
}

// Every node of a page carries the page's version, and an update replaces
// the pages it touches whole: a store may keep and prune them as records.
TEST(Smt, PagesAreWrittenAndReplacedWhole) {
  Tree t;
  std::mt19937_64 rng(11);
  for (int batch = 0; batch < 30; ++batch) {
    std::map<Hash, Bytes> ups;
    for (int i = 0; i < 1 + int(rng() % 200); ++i) {
      uint64_t k = rng() % 3000;
      ups[key_of(k)] = value_of(k, rng());
    }
    std::map<NodeKey, Node> before = t.store.nodes();
    TreeUpdate u = t.put(ups);
    std::set<NodeKey> stale(u.stale.begin(), u.stale.end()), pages;
    for (const NodeKey& k : u.stale) pages.insert(page_of(k));
    std::vector<NodeKey> listed = stale_pages(u.stale);  // from the pages' own nodes
    EXPECT_EQ(std::vector<NodeKey>(pages.begin(), pages.end()), listed) << "batch " << batch;
    for (const NodeKey& pk : stale_pages(u.stale))
      for (const auto& [k, n] : before)
        if (page_of(k) == pk) {
          EXPECT_TRUE(stale.count(k)) << "batch " << batch;
        }
    for (const auto& [k, n] : t.store.nodes()) {
      if (n.kind != ChildKind::internal || k.depth % kPageLevels == kPageLevels - 1) continue;
      for (const ChildRef* c : {&n.left, &n.right})
        if (c->kind != ChildKind::empty) {
          EXPECT_EQ(c->version, k.version) << "batch " << batch;
        }
    }
    ASSERT_EQ(t.root.hash, t.reference()) << "batch " << batch;
  }
}

// The ledger's page-at-a-time update gives exactly the node-by-node
// reference's root, pages and replaced pages: on a store that gathers pages
// node by node, for inserts, overwrites, single keys, keys that share long
// prefixes (leaves pushed down across page boundaries) and empty batches.
TEST(Smt, PageUpdatesEqualTheNodeByNodeReference) {
  Tree t;
  std::mt19937_64 rng(5);
  for (int batch = 0; batch < 40; ++batch) {
    std::map<Hash, Bytes> ups;
    const int n = batch == 0 ? 3000 : batch % 7 == 3 ? 1 : batch % 11 == 5 ? 0 : int(rng() % 400);
    for (int i = 0; i < n; ++i) {
      uint64_t k = rng() % 6000;
      Hash key = key_of(k);
      if (k % 5 == 0) key[0] = key[1] = 0x5a, key[2] = uint8_t(key[2] & 0x0f);  // 20 shared bits
      ups[key] = value_of(k, rng());
    }
    std::vector<LeafUpdate> v;
    for (const auto& [k, b] : ups) v.push_back({k, b});
    std::string err;
    auto paged = apply_page_updates(t.store, t.root, t.version + 1, v, &err);
    ASSERT_TRUE(paged) << err;
    TreeUpdate u = t.put(ups);
    ASSERT_EQ(paged->root, u.root) << "batch " << batch;
    ASSERT_EQ(paged->stale, stale_pages(u.stale)) << "batch " << batch;
    ASSERT_EQ(paged->pages, group_pages(u.writes)) << "batch " << batch;
  }
}

// A page the root names that the store lacks fails the update, by name.
TEST(Smt, PageUpdateOfAMissingPageFails) {
  Tree t;
  std::map<Hash, Bytes> ups;
  for (uint64_t i = 0; i < 50; ++i) ups[key_of(i)] = value_of(i, 0);
  t.put(ups);
  MemoryNodeStore empty;
  std::vector<LeafUpdate> one{{key_of(1), value_of(1, 1)}};
  std::string err;
  EXPECT_FALSE(apply_page_updates(empty, t.root, 2, one, &err));
  EXPECT_NE(err.find("missing"), std::string::npos) << err;
  std::vector<LeafUpdate> twice{{key_of(2), value_of(2, 1)}, {key_of(2), value_of(2, 2)}};
  EXPECT_FALSE(apply_page_updates(t.store, t.root, 2, twice, &err));
}

TEST(Smt, PageCodecIsCanonical) {
  Tree t;
  std::map<Hash, Bytes> ups;
  for (uint64_t i = 0; i < 500; ++i) ups[key_of(i)] = value_of(i, i);
  t.put(ups);
  std::map<Hash, Bytes> more;  // a second version: pages whose exits are older
  for (uint64_t i = 0; i < 500; i += 7) more[key_of(i)] = value_of(i, i + 1);
  TreeUpdate u = t.put(more);
  size_t checked = 0;
  for (const auto& [pk, nodes] : group_pages(u.writes)) {
    Bytes enc = encode_page(nodes);
    ASSERT_FALSE(enc.empty());
    auto back = decode_page(pk, enc);  // the hashes inside the page recomputed
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, nodes);
    EXPECT_FALSE(decode_page({pk.version + 1, pk.depth, pk.path}, enc) == back);
    EXPECT_FALSE(decode_page({pk.version, uint16_t(pk.depth + 1), pk.path}, enc));
    Bytes longer = enc;
    longer.push_back(0);
    EXPECT_FALSE(decode_page(pk, longer));
    for (size_t cut = 0; cut < enc.size(); ++cut)
      EXPECT_FALSE(decode_page(pk, ByteView(enc).first(cut))) << cut;
    if (nodes.size() >= 2) {  // nodes out of order, or a node missing: not a page
      PageNodes swapped = nodes;
      std::swap(swapped[0], swapped[1]);
      EXPECT_TRUE(encode_page(swapped).empty());
      EXPECT_TRUE(encode_page(PageNodes(nodes.begin(), nodes.end() - 1)).empty());
      ++checked;
    }
  }
  EXPECT_GT(checked, 10u);
}

// A changed byte of a record is refused or decodes to other nodes (other
// hashes), never to the same page: the audit's byte comparison and the
// recomputed hashes both see it.
TEST(Smt, PageRecordBytesAllMatter) {
  Tree t;
  std::map<Hash, Bytes> ups;
  for (uint64_t i = 0; i < 300; ++i) ups[key_of(i)] = value_of(i, i);
  TreeUpdate u = t.put(ups);
  for (const auto& [pk, nodes] : group_pages(u.writes)) {
    const Bytes enc = encode_page(nodes);
    for (size_t i = 0; i < enc.size(); ++i) {
      Bytes bad = enc;
      bad[i] ^= 0x01;
      auto back = decode_page(pk, bad);
      if (back) {
        EXPECT_NE(*back, nodes) << i;
        EXPECT_EQ(encode_page(*back), bad) << i;  // whatever it accepts is canonical
      }
    }
  }
}

// The packed form the ledger's page cache keeps: every node read straight
// from it, nothing else.
TEST(Smt, PackedPagesAreExact) {
  Tree t;
  std::map<Hash, Bytes> ups;
  for (uint64_t i = 0; i < 500; ++i) ups[key_of(i)] = value_of(i, i);
  TreeUpdate u = t.put(ups);
  size_t checked = 0;
  for (const auto& [pk, nodes] : group_pages(u.writes)) {
    Bytes packed = pack_page(nodes);
    auto back = unpack_page(pk, packed);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, nodes);
    for (const auto& [k, n] : nodes) {
      EXPECT_EQ(node_in_packed_page(pk, packed, k), n);
      NodeKey other_version = k;
      other_version.version += 1;
      EXPECT_FALSE(node_in_packed_page(pk, packed, other_version));
    }
    EXPECT_FALSE(
        node_in_packed_page(pk, packed, {pk.version, uint16_t(pk.depth + kPageLevels), pk.path}));
    EXPECT_FALSE(unpack_page({pk.version, uint16_t(pk.depth + 1), pk.path}, packed));
    Bytes longer = packed;
    longer.push_back(0);
    EXPECT_FALSE(unpack_page(pk, longer));
    EXPECT_FALSE(unpack_page(pk, ByteView(packed).first(packed.size() - 1)));
    EXPECT_FALSE(unpack_page(pk, {}));
    if (nodes.size() >= 2) {
      PageNodes swapped = nodes;
      std::swap(swapped[0], swapped[1]);
      EXPECT_FALSE(unpack_page(pk, pack_page(swapped)));
      ++checked;
    }
  }
  EXPECT_GT(checked, 10u);
}

// The stored records are much smaller than the packed node-by-node layout
// (format /2 stored that): full upper pages keep 16 hashes, not 30.
TEST(Smt, PageRecordsAreCompact) {
  Tree t;
  std::map<Hash, Bytes> ups;
  for (uint64_t i = 0; i < 20000; ++i) ups[key_of(i)] = value_of(i, i);
  TreeUpdate u = t.put(ups);
  size_t stored = 0, packed = 0;
  for (const auto& [pk, nodes] : group_pages(u.writes)) {
    stored += encode_page(nodes).size();
    packed += pack_page(nodes).size();
  }
  EXPECT_LT(stored * 10, packed * 7) << stored << " against " << packed;
}

TEST(Smt, ProofsOfPresenceAndAbsence) {
  Tree t;
  std::map<Hash, Bytes> ups;
  for (uint64_t i = 0; i < 300; ++i) ups[key_of(i)] = value_of(i, i * 3);
  t.put(ups);
  for (uint64_t i = 0; i < 600; i += 7) {
    Hash k = key_of(i);
    auto p = prove(t.store, t.root, k);
    ASSERT_TRUE(p);
    std::optional<Bytes> v;
    if (i < 300) v = value_of(i, i * 3);
    EXPECT_TRUE(verify_proof(t.root.hash, k, v, *p)) << i;
    auto back = decode_proof(encode_proof(*p));
    ASSERT_TRUE(back);
    EXPECT_TRUE(verify_proof(t.root.hash, k, v, *back));
    // Another value, presence claimed for an absent key, or absence for a present one.
    EXPECT_FALSE(verify_proof(t.root.hash, k, value_of(i, 999999), *p));
    if (i < 300) {
      EXPECT_FALSE(verify_proof(t.root.hash, k, std::nullopt, *p));
    }
    // Another root.
    Hash other = t.root.hash;
    other[5] ^= 1;
    EXPECT_FALSE(verify_proof(other, k, v, *p));
  }
}

TEST(Smt, EveryChangedProofByteFails) {
  Tree t;
  std::map<Hash, Bytes> ups;
  for (uint64_t i = 0; i < 64; ++i) ups[key_of(i)] = value_of(i, i);
  t.put(ups);
  for (uint64_t i : {3ull, 1000ull}) {  // present, absent
    std::optional<Bytes> v;
    if (i < 64) v = value_of(i, i);
    Bytes enc = encode_proof(*prove(t.store, t.root, key_of(i)));
    for (size_t at = 0; at < enc.size(); ++at) {
      for (uint8_t bit : {0x01, 0x80}) {
        Bytes bad = enc;
        bad[at] ^= bit;
        auto p = decode_proof(bad);
        EXPECT_FALSE(p && verify_proof(t.root.hash, key_of(i), v, *p))
            << "key " << i << " byte " << at << " bit " << int(bit);
      }
    }
    Bytes longer = enc;
    longer.push_back(0);
    EXPECT_FALSE(decode_proof(longer));
    EXPECT_FALSE(decode_proof(ByteView(enc).first(enc.size() - 1)));
  }
}

TEST(Smt, EmptyTreeProvesAbsence) {
  MemoryNodeStore s;
  auto p = prove(s, ChildRef{}, key_of(1));
  ASSERT_TRUE(p);
  EXPECT_TRUE(verify_proof(Hash{}, key_of(1), std::nullopt, *p));
  EXPECT_FALSE(verify_proof(Hash{}, key_of(1), value_of(1, 1), *p));
}

TEST(Smt, PrunedVersionsStopProvingRetainedOnesKeepWorking) {
  Tree t;
  t.keep = 3;
  std::map<uint64_t, std::pair<ChildRef, Bytes>> history;
  size_t per_version = 0;  // every version rewrites the whole (same-shaped) tree
  for (uint64_t v = 1; v <= 10; ++v) {
    std::map<Hash, Bytes> ups;
    for (uint64_t i = 0; i < 40; ++i) ups[key_of(i)] = value_of(i, v);
    per_version = t.put(ups).writes.size();
    history[v] = {t.root, value_of(5, v)};
  }
  // Versions 10 - 3 .. 10 prove; the oldest are gone.
  for (uint64_t v = 7; v <= 10; ++v) {
    auto p = prove(t.store, history[v].first, key_of(5));
    ASSERT_TRUE(p) << v;
    EXPECT_TRUE(verify_proof(history[v].first.hash, key_of(5), history[v].second, *p));
  }
  EXPECT_FALSE(prove(t.store, history[2].first, key_of(5)));
  // Stored nodes stay bounded: the live tree plus `keep` versions of stale ones.
  EXPECT_EQ(t.store.nodes().size(), (t.keep + 1) * per_version);
}

TEST(Smt, KeyCodecIsCanonical) {
  NodeKey k{42, 13, {}};
  k.path[0] = 0xA5;
  k.path[1] = 0xF8;  // 13 bits: 0xA5, 0xF8 (low 3 bits zero)
  auto back = decode_node_key(encode_node_key(k));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, k);
  Bytes bad = encode_node_key(k);
  bad.back() |= 1;  // a bit past the depth
  EXPECT_FALSE(decode_node_key(bad));
}

}  // namespace
}  // namespace vigil::state
