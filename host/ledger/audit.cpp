#include "host/ledger/audit.hpp"

#include <rocksdb/iterator.h>

#include <cstring>
#include <set>

#include "host/consensus/wire.hpp"
#include "host/ledger/ledger.hpp"

namespace vigil::ledger {
namespace {

struct Failure {
  uint64_t height;
  std::string what;
};

// The audit's own copy of the latest state: leaves by key hash, with the
// height that last wrote each.
class DerivedState final : public execution::StateReader {
 public:
  std::optional<execution::Bytes> get(const Hash& k) const override {
    auto it = leaves.find(k);
    if (it == leaves.end()) return std::nullopt;
    return it->second.first;
  }
  std::map<Hash, std::pair<execution::Bytes, uint64_t>> leaves;
};

// The live tree only; a node leaves it when replaced, and its page is then
// checked against the store: present and equal while retained, absent once
// pruned.
class DerivedTree final : public state::NodeReader {
 public:
  std::optional<state::Node> get(const state::NodeKey& k) const override {
    auto it = live.find(k);
    if (it == live.end()) return std::nullopt;
    return it->second;
  }
  std::map<state::NodeKey, state::Node> live;
  std::set<state::NodeKey> retained_pages;  // stale, not pruned yet
};

// The stored record is the one the re-derived nodes encode to, byte for
// byte (a page the derivation cannot encode is never a match).
bool same_page(const std::string& stored, const state::PageNodes& nodes) {
  const state::Bytes want = state::encode_page(nodes);
  return !want.empty() && stored == as_sv(want);
}

class Auditor {
 public:
  Auditor(const Ledger& l, uint64_t tip) : l_(l), tip_(tip) {}

  std::optional<Failure> run(AuditReport& rep, const std::function<void(uint64_t, uint64_t)>& pr) {
    if (auto f = genesis()) return f;
    rep.blocks = 1;
    for (uint64_t h = 1; h <= tip_; ++h) {
      if (auto f = block(h, rep)) return f;
      rep.height = h;
      rep.blocks = h + 1;
      if (pr) pr(h, tip_);
    }
    return finish();
  }

 private:
  std::optional<std::string> get(const char* family, const std::string& key) const {
    std::string v;
    rocksdb::Status s = l_.db()->Get(rocksdb::ReadOptions(), l_.cf(family), key, &v);
    if (s.IsNotFound()) return std::nullopt;
    if (!s.ok()) throw_store(s.ToString());
    return v;
  }
  [[noreturn]] void throw_store(const std::string& why) const { throw Failure{0, "store: " + why}; }

  std::optional<Failure> check_root(uint64_t h) {
    auto stored = l_.root_ref(h);
    if (!stored || *stored != root_)
      return Failure{h, "state root: stored root of height " + std::to_string(h) +
                            " differs from the re-executed state"};
    return std::nullopt;
  }

  std::optional<Failure> apply(uint64_t h, std::map<Hash, execution::Bytes>& writes) {
    std::vector<state::LeafUpdate> ups;
    for (auto& [k, v] : writes) {
      ups.push_back({k, v});
      state_.leaves[k] = {v, h};
    }
    std::string err;
    auto u = state::apply_updates(tree_, root_, h, ups, &err);
    if (!u) return Failure{h, "state: re-derivation failed: " + err};
    const uint64_t keep = l_.prune_keep();
    const bool pruned = keep && h + keep <= tip_;      // stale since h, deleted by the tip
    std::map<state::NodeKey, state::PageNodes> stale;  // the replaced nodes by page
    for (const auto& k : u->stale) {
      auto it = tree_.live.find(k);
      if (it == tree_.live.end()) return Failure{h, "state: derived tree lost a node"};
      stale[state::page_of(k)].emplace_back(k, std::move(it->second));
      tree_.live.erase(it);
    }
    std::vector<state::NodeKey> pages;
    for (auto& [pk, nodes] : stale) {
      std::sort(nodes.begin(), nodes.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      auto v = get("state", std::string(as_sv(state::encode_node_key(pk))));
      if (pruned) {
        if (v) return Failure{pk.version, "state: a page that should be pruned is still stored"};
        continue;
      }
      if (!v || !same_page(*v, nodes))
        return Failure{pk.version, "state: stored node missing or changed"};
      tree_.retained_pages.insert(pk);
      pages.push_back(pk);
    }
    auto list = get("stale", height_key(h));
    if (pages.empty() ? list.has_value() : !list || *list != encode_stale(pages))
      return Failure{h, "state: stale-index record missing, extra or wrong"};
    stale_lists_ += !pages.empty();
    for (auto& [k, n] : u->writes) tree_.live[k] = std::move(n);
    root_ = u->root;
    return check_root(h);
  }

  std::optional<Failure> genesis() {
    const auto& g = l_.genesis();
    if (!g) return Failure{0, "missing block: no genesis record"};
    std::string why;
    auto cb = l_.block_at(0, &why);
    if (!cb) return Failure{0, "missing block: height 0: " + why};
    Block want;
    want.hdr = consensus::genesis_block_hdr();
    want.id = consensus::compute_block_id(want.hdr);
    if (cb->block.id != want.id || !cb->block.txs.empty() || !cb->receipts.empty())
      return Failure{0, "link: block 0 is not the genesis block"};
    if (auto f = index_check(0, want.id)) return f;
    prev_ = want.id;
    auto writes = execution::genesis_writes(*g);
    return apply(0, writes);
  }

  std::optional<Failure> index_check(uint64_t h, const BlockId& id) {
    auto v = get("block_ids", std::string(reinterpret_cast<const char*>(id.data()), 32));
    if (!v || *v != height_key(h)) return Failure{h, "link: block id index disagrees"};
    return std::nullopt;
  }

  std::optional<Failure> block(uint64_t h, AuditReport& rep) {
    std::string why;
    auto cb = l_.block_at(h, &why);
    if (!cb) {
      const char* kind = why == "block missing"     ? "missing block: "
                         : why.rfind("QC", 0) == 0  ? "QC: "
                         : why.rfind("rec", 0) == 0 ? "receipt: "
                                                    : "block: ";
      return Failure{h, kind + why};
    }
    const Block& b = cb->block;
    if (b.hdr.height != h) return Failure{h, "link: the block stored here is of another height"};
    if (std::memcmp(b.hdr.parent_id, prev_.data(), 32) != 0)
      return Failure{h, "link: parent id is not the previous block's id"};
    if (auto f = index_check(h, b.id)) return f;
    std::vector<consensus::ByteView> frames = consensus::split_frames(b.txs);
    BlockId txr = consensus::compute_tx_root(b.txs);
    if (std::memcmp(txr.data(), b.hdr.tx_root, 32) != 0 || b.hdr.tx_count != frames.size())
      return Failure{h, "tx root: frames do not match the header's tx root or count"};
    if (std::memcmp(b.hdr.state_root, root_.hash.data(), 32) != 0)
      return Failure{h, "state root: header's state root is not the state after its parent"};
    auto gov = execution::decode_governance_state(
        state_.get(execution::kGovernanceKey).value_or(execution::Bytes{}));
    if (!gov) return Failure{h, "state: governance record undecodable"};
    why = check_qc(cb->qc, b, gov->epoch, gov->validators);
    if (!why.empty()) return Failure{h, "QC: " + why};

    execution::BlockOutput out = execution::execute(state_, {b.txs, b.hdr.proposer, {}});
    if (out.receipts.size() != cb->receipts.size() ||
        std::memcmp(out.receipts.data(), cb->receipts.data(),
                    out.receipts.size() * sizeof(vigil_receipt)) != 0)
      return Failure{h, "receipt: stored receipts differ from re-execution"};
    for (size_t i = 0; i < frames.size(); ++i) {
      ingest::FrameView f;
      if (ingest::parse_frame(frames[i], f) != VIGIL_OK) continue;
      std::string key(reinterpret_cast<const char*>(f.signature), 64);
      std::string loc(4, '\0');
      for (int k = 0; k < 4; ++k) loc[size_t(k)] = char(uint8_t(i >> (8 * k)));
      auto v = get("txs", key + height_key(h));
      if (!v || *v != loc) return Failure{h, "tx index: entry missing or wrong"};
      ++tx_entries_;
    }
    prev_ = b.id;
    if (auto f = apply(h, out.writes)) return f;
    rep.transactions += frames.size();
    return std::nullopt;
  }

  // Counts a family's records; the first key `extra` says is unexpected.
  template <class F>
  std::optional<Failure> count(const char* family, uint64_t want, F&& extra) {
    std::unique_ptr<rocksdb::Iterator> it(
        l_.db()->NewIterator(rocksdb::ReadOptions(), l_.cf(family)));
    uint64_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ++n;
      if (auto f = extra(it->key().ToStringView(), it->value().ToStringView())) return f;
    }
    if (!it->status().ok()) throw_store(it->status().ToString());
    if (n != want)
      return Failure{tip_, std::string("extra record: ") + family + " holds " + std::to_string(n) +
                               " records, the chain implies " + std::to_string(want)};
    return std::nullopt;
  }

  std::optional<Failure> finish() {
    std::map<state::NodeKey, state::PageNodes> live;  // in key order, so each page's too
    for (const auto& [k, n] : tree_.live) live[state::page_of(k)].emplace_back(k, n);
    for (const auto& [pk, nodes] : live) {
      auto v = get("state", std::string(as_sv(state::encode_node_key(pk))));
      if (!v || !same_page(*v, nodes))
        return Failure{pk.version, "state: stored node missing or changed"};
    }
    auto height_family = [&](std::string_view k, uint64_t first) -> std::optional<Failure> {
      auto h = parse_height_key(k);
      if (!h || *h < first || *h > tip_)
        return Failure{h && *h > tip_ ? *h : tip_, "extra record: a record past the tip"};
      return std::nullopt;
    };
    if (auto f = count("blocks", tip_ + 1, [&](auto k, auto) { return height_family(k, 0); }))
      return f;
    if (auto f = count("receipts", tip_ + 1, [&](auto k, auto) { return height_family(k, 0); }))
      return f;
    if (auto f = count("qcs", tip_, [&](auto k, auto) { return height_family(k, 1); })) return f;
    if (auto f = count("default", 0, [](auto, auto) { return std::optional<Failure>{}; })) return f;
    if (auto f = count("block_ids", tip_ + 1, [](auto, auto) { return std::optional<Failure>{}; }))
      return f;
    if (auto f = count("txs", tx_entries_, [](auto, auto) { return std::optional<Failure>{}; }))
      return f;
    auto page_known = [&](std::string_view k, std::string_view) -> std::optional<Failure> {
      auto key = state::decode_node_key(as_bytes(k));
      if (!key) return Failure{tip_, "state: undecodable page key"};
      if (live.count(*key) || tree_.retained_pages.count(*key)) return std::nullopt;
      return Failure{key->version, "state: a page no version of the chain wrote"};
    };
    if (auto f = count("state", live.size() + tree_.retained_pages.size(), page_known)) return f;
    if (auto f = count("stale", stale_lists_, [](auto, auto) { return std::optional<Failure>{}; }))
      return f;
    // Account records: exactly the derived leaves.
    auto leaf = state_.leaves.begin();
    if (auto f = count("accounts", state_.leaves.size(),
                       [&](std::string_view k, std::string_view v) -> std::optional<Failure> {
                         if (leaf == state_.leaves.end() || k != as_sv(leaf->first))
                           return Failure{tip_, "state: account record of an unknown key"};
                         uint64_t h = leaf->second.second;
                         if (v != as_sv(leaf->second.first))
                           return Failure{h, "state: account record differs"};
                         ++leaf;
                         return std::nullopt;
                       }))
      return f;
    if (l_.tip_id() != prev_) return Failure{tip_, "link: tip record names another block"};
    return std::nullopt;
  }

  const Ledger& l_;
  uint64_t tip_;
  BlockId prev_{};
  DerivedState state_;
  DerivedTree tree_;
  state::ChildRef root_;
  uint64_t tx_entries_ = 0;
  uint64_t stale_lists_ = 0;  // stale-list records the chain implies
};

}  // namespace

AuditReport audit_store(const std::string& dir,
                        const std::function<void(uint64_t, uint64_t)>& progress) {
  AuditReport rep;
  LedgerOptions opt;
  opt.read_only = true;
  opt.page_cache_entries = 0;
  opt.account_cache_entries = 0;
  std::string err;
  auto l = Ledger::open(dir, opt, &err);
  if (!l) {
    rep.what = "store: " + err;
    return rep;
  }
  Auditor a(*l, l->height());
  std::optional<Failure> f;
  try {
    f = a.run(rep, progress);
  } catch (const Failure& store_error) {
    f = store_error;
    f->height = rep.height + 1;
  }
  if (!f) {
    rep.ok = true;
    return rep;
  }
  rep.first_bad_height = f->height;
  rep.what = f->what;
  if (!l->last_error().empty()) rep.what += " (RocksDB read error: " + l->last_error() + ")";
  if (rep.height >= f->height) {
    rep.height = f->height ? f->height - 1 : 0;
    rep.blocks = f->height;
  }
  return rep;
}

}  // namespace vigil::ledger
