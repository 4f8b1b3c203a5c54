#include "host/ledger/ledger.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <random>

#include "host/consensus/wire.hpp"

namespace vigil::ledger {
namespace {

const char* const kFamilies[] = {"default",  "blocks", "block_ids", "qcs",    "receipts", "txs",
                                 "accounts", "state",  "stale",     "safety", "meta"};
// 3: the state tree stored a page (4 levels) to a record, one stale list per
// version, each page holding only its leaves and the hashes and versions of
// the pages below it (smt.hpp, encode_page). 2 (the same pages node by node,
// every hash and version stored) and 1 (a record per node) are refused:
// re-create the store.
constexpr char kFormat[] = "vigil-ledger/3";

uint64_t now_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

std::string id_key(const BlockId& id) {
  return std::string(reinterpret_cast<const char*>(id.data()), id.size());
}

std::string root_key(uint64_t h) {
  return "root/" + height_key(h);
}

std::string tip_value(uint64_t h, const BlockId& id) {
  return height_key(h) + id_key(id);
}

}  // namespace

namespace {

uint64_t mix64(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The caches' secret seed, drawn once per process.
uint64_t table_seed() {
  static const uint64_t seed = [] {
    std::random_device rd;
    return uint64_t(rd()) << 32 ^ rd();
  }();
  return seed;
}

uint64_t hash_words(const uint8_t* p, size_t words, uint64_t h) {
  for (size_t i = 0; i < words; ++i) {
    uint64_t w = 0;
    std::memcpy(&w, p + 8 * i, 8);
    h = mix64(h ^ w);
  }
  return h;
}

}  // namespace

size_t Ledger::NodeKeyHash::operator()(const state::NodeKey& k) const {
  const uint64_t h = mix64(table_seed() ^ k.version) ^ uint64_t(k.depth) << 48;
  return size_t(hash_words(k.path.data(), size_t(k.depth + 63) / 64, h));
}

size_t Ledger::KeyHash::operator()(const Hash& k) const {
  return size_t(hash_words(k.data(), 2, table_seed()));
}

std::unique_ptr<Ledger> Ledger::open(const std::string& dir, const LedgerOptions& opt,
                                     std::string* error) {
  std::unique_ptr<Ledger> l(new Ledger());
  l->opt_ = opt;
  rocksdb::Options o;
  o.create_if_missing = !opt.read_only;
  o.create_missing_column_families = !opt.read_only;
  o.paranoid_checks = true;
  o.db_write_buffer_size = 4 * opt.write_buffer_bytes;  // memtables of all families together
  o.allow_concurrent_memtable_write = false;            // one writer; the insert hints need it off
  rocksdb::BlockBasedTableOptions t;
  t.block_cache = rocksdb::NewLRUCache(opt.block_cache_bytes);
  t.cache_index_and_filter_blocks = true;
  // Most reads in a commit are of accounts that may not exist yet (payees):
  // a Bloom filter answers those without reading a data block.
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions cfo(o);
  cfo.write_buffer_size = opt.write_buffer_bytes;
  cfo.max_write_buffer_number = 2;
  cfo.table_factory.reset(rocksdb::NewBlockBasedTableFactory(t));
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  // A commit writes the state pages of one version, the accounts and the
  // transactions' index in key order: an insert hint per prefix makes each memtable
  // insert start where the last one ended instead of at the skiplist's top.
  rocksdb::ColumnFamilyOptions by_version = cfo, in_order = cfo;
  by_version.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(8));
  in_order.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewCappedPrefixTransform(0));
  // Hashes and keys do not compress: the state, stale lists and accounts are
  // stored as they are, sparing the flushes' CPU.
  by_version.compression = in_order.compression = rocksdb::kNoCompression;
  // Most payees' first reads find no record: a whole-key Bloom filter in
  // the accounts' memtables (5% of their size) answers those without a
  // skiplist search.
  rocksdb::ColumnFamilyOptions accounts = in_order;
  accounts.memtable_prefix_bloom_size_ratio = 0.05;
  accounts.memtable_whole_key_filtering = true;
  for (const char* name : kFamilies) {
    const std::string n = name;
    descs.emplace_back(name, n == "state" || n == "stale" ? by_version
                             : n == "accounts"            ? accounts
                             : n == "txs"                 ? in_order
                                                          : cfo);
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (opt.read_only) {
    std::vector<std::string> present;
    s = rocksdb::DB::ListColumnFamilies(o, dir, &present);
    if (s.ok() && present.size() != std::size(kFamilies)) {
      if (error) *error = dir + ": not a Vigil ledger (column families differ)";
      return nullptr;
    }
    if (s.ok()) s = rocksdb::DB::OpenForReadOnly(o, dir, descs, &l->handles_, &raw);
  } else {
    s = rocksdb::DB::Open(o, dir, descs, &l->handles_, &raw);
  }
  if (!s.ok()) {
    if (error) *error = dir + ": RocksDB cannot open the store: " + s.ToString();
    return nullptr;
  }
  l->db_.reset(raw);
  for (size_t i = 0; i < l->handles_.size(); ++i) l->cfs_[kFamilies[i]] = l->handles_[i];
  std::string why = l->load();
  if (!why.empty()) {
    if (error) *error = dir + ": " + why;
    return nullptr;
  }
  if (!opt.read_only && l->genesis_) l->warm_caches();
  return l;
}

// A validator that restarts would otherwise read its whole working set back
// one Get at a time inside its first commits: the tree's pages, top levels
// first (every block touches them), and the account records, each as far as
// its cache holds.
void Ledger::warm_caches() {
  struct Item {
    state::ChildRef ref;
    state::NodeKey at;
  };
  std::deque<Item> pages;  // breadth first: the upper levels before the lower
  if (tip_root_.kind != state::ChildKind::empty)
    pages.push_back({tip_root_, {tip_root_.version, 0, {}}});
  while (!pages.empty() && pages_now_.size() + 1 < opt_.page_cache_entries / 2) {
    Item it = pages.front();
    pages.pop_front();
    std::optional<state::Node> top = get(it.at);  // reads and caches the page
    const state::Bytes* record = top ? cached_page(state::page_of(it.at)) : nullptr;
    std::optional<state::PageNodes> page;
    if (record) page = state::unpack_page(state::page_of(it.at), *record);
    if (!page) return;
    for (const auto& [k, n] : *page) {
      if (n.kind != state::ChildKind::internal || k.depth % state::kPageLevels != 3) continue;
      state::Hash right = k.path;
      right[k.depth / 8] = uint8_t(right[k.depth / 8] | (0x80u >> (k.depth % 8)));
      const uint16_t d = uint16_t(k.depth + 1);
      if (n.left.kind != state::ChildKind::empty)
        pages.push_back({n.left, {n.left.version, d, k.path}});
      if (n.right.kind != state::ChildKind::empty)
        pages.push_back({n.right, {n.right.version, d, right}});
    }
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf("accounts")));
  for (it->SeekToFirst(); it->Valid() && accounts_now_.size() + 1 < opt_.account_cache_entries / 2;
       it->Next()) {
    if (it->key().size() != 32) continue;
    Hash k;
    std::memcpy(k.data(), it->key().data(), 32);
    ByteView v = as_bytes(it->value().ToStringView());
    cache_account(k, execution::Bytes(v.begin(), v.end()));
  }
  // Every record is in the cache now, and every write passes cache_account:
  // until the cache first turns a generation over, a key it lacks has no
  // record (the payees' first reads, most of a block's, need no Get).
  accounts_complete_ = opt_.account_cache_entries >= 2 && !it->Valid() && it->status().ok();
}

Ledger::~Ledger() {
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
  if (db_) db_->Close();
}

rocksdb::ColumnFamilyHandle* Ledger::cf(const std::string& name) const {
  auto it = cfs_.find(name);
  return it == cfs_.end() ? nullptr : it->second;
}

std::optional<std::string> Ledger::read(const std::string& family, const std::string& key) const {
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf(family), key, &v);
  if (!s.ok()) {
    if (!s.IsNotFound()) const_cast<Ledger*>(this)->last_error_ = s.ToString();
    return std::nullopt;
  }
  return v;
}

std::string Ledger::load() {
  auto format = read("meta", "format");
  if (!format) return opt_.read_only ? "no ledger here (no format record)" : "";
  if (*format == "vigil-ledger/1" || *format == "vigil-ledger/2")
    return "ledger format '" + *format + "' (" +
           (*format == "vigil-ledger/1" ? "a record per state node" : "state pages node by node") +
           ") is not readable by this build, which writes '" + std::string(kFormat) +
           "': re-create the store and replay the chain into it";
  if (*format != kFormat) return "unknown ledger format '" + *format + "'";
  auto g = read("meta", "genesis");
  if (!g || !(genesis_ = execution::decode_genesis(as_bytes(*g)))) return "genesis record corrupt";
  auto keep = read("meta", "prune_keep");
  if (!keep || !parse_height_key(*keep)) return "prune_keep record corrupt";
  prune_keep_ = *parse_height_key(*keep);
  auto tip = read("meta", "tip");
  if (!tip || tip->size() != 40) return "tip record corrupt";
  tip_height_ = *parse_height_key(tip->substr(0, 8));
  std::memcpy(tip_id_.data(), tip->data() + 8, 32);
  auto root = root_ref(tip_height_);
  if (!root) return "state root of the tip missing";
  tip_root_ = *root;
  return "";
}

std::string Ledger::init_genesis(const execution::GenesisState& g) {
  std::string enc(as_sv(execution::encode_genesis(g)));
  if (genesis_) {
    return enc == as_sv(execution::encode_genesis(*genesis_)) ? ""
                                                              : "the store has another genesis";
  }
  if (opt_.read_only) return "read-only store has no genesis";
  if (g.validators.empty()) return "genesis needs at least one validator";
  prune_keep_ = opt_.prune_keep;
  std::map<Hash, execution::Bytes> writes = execution::genesis_writes(g);
  std::vector<state::LeafUpdate> ups;
  for (auto& [k, v] : writes) ups.push_back({k, v});
  std::string err;
  auto tree = state::apply_page_updates(*this, state::ChildRef{}, 0, ups, &err);
  if (!tree) return err;

  Block b;
  b.hdr = consensus::genesis_block_hdr();
  b.id = consensus::compute_block_id(b.hdr);
  consensus::Genesis cg;
  cg.validators.keys = g.validators;
  consensus::EpochRecord epoch = consensus::genesis_epoch(cg);

  rocksdb::WriteBatch batch;
  batch.Put(cf("meta"), "format", kFormat);
  batch.Put(cf("meta"), "genesis", enc);
  batch.Put(cf("meta"), "prune_keep", height_key(prune_keep_));
  batch.Put(cf("blocks"), height_key(0), encode_block(b));
  batch.Put(cf("block_ids"), id_key(b.id), height_key(0));
  batch.Put(cf("receipts"), height_key(0), "");
  for (auto& [k, v] : writes) batch.Put(cf("accounts"), as_sv(k), as_sv(v));
  state::Bytes record;
  for (const auto& [pk, nodes] : tree->pages) {
    if (!state::encode_page_into(nodes, record)) return "genesis state page not encodable";
    batch.Put(cf("state"), as_sv(state::encode_node_key(pk)), as_sv(record));
  }
  batch.Put(cf("meta"), root_key(0), as_sv(state::encode_ref(tree->root)));
  batch.Put(cf("meta"), "tip", tip_value(0, b.id));
  batch.Put(cf("meta"), "epoch", encode_epoch(epoch));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return "genesis write failed: " + s.ToString();
  genesis_ = g;
  tip_height_ = 0;
  tip_id_ = b.id;
  tip_root_ = tree->root;
  warm_caches();  // as a reopen would: the first commits find the genesis state in memory
  return "";
}

std::optional<state::ChildRef> Ledger::root_ref(uint64_t h) const {
  auto v = read("meta", root_key(h));
  if (!v) return std::nullopt;
  return state::decode_ref(as_bytes(*v));
}

std::optional<Hash> Ledger::state_root(uint64_t h) const {
  auto r = root_ref(h);
  if (!r) return std::nullopt;
  return r->hash;
}

execution::GovernanceState Ledger::governance() const {
  auto v = get(execution::kGovernanceKey);
  if (!v) return {};
  return execution::decode_governance_state(*v).value_or(execution::GovernanceState{});
}

std::optional<execution::Bytes> Ledger::get(const Hash& key_hash) const {
  if (auto it = accounts_now_.find(key_hash); it != accounts_now_.end()) return it->second;
  if (auto it = accounts_old_.find(key_hash); it != accounts_old_.end()) {
    std::optional<execution::Bytes> v = std::move(it->second);
    accounts_old_.erase(it);
    cache_account(key_hash, v);
    return v;
  }
  if (accounts_complete_) return std::nullopt;
  std::string v;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cf("accounts"), as_sv(key_hash), &v);
  std::optional<execution::Bytes> out;
  if (s.ok()) {
    ByteView b = as_bytes(v);
    out.emplace(b.begin(), b.end());
  } else if (!s.IsNotFound()) {
    const_cast<Ledger*>(this)->last_error_ = s.ToString();
    return std::nullopt;  // not cached: a read error is not an absence
  }
  cache_account(key_hash, out);
  return out;
}

void Ledger::cache_account(const Hash& k, std::optional<execution::Bytes> v) const {
  if (accounts_now_.size() >= opt_.account_cache_entries / 2) {
    accounts_complete_ = false;
    accounts_old_ = std::move(accounts_now_);
    accounts_now_.clear();
  }
  if (opt_.account_cache_entries >= 2) accounts_now_[k] = std::move(v);
}

std::optional<state::Node> Ledger::get(const state::NodeKey& k) const {
  return node(k, true);
}

std::optional<state::PageNodes> Ledger::get_page(const state::NodeKey& page) const {
  if (const state::Bytes* packed = cached_page(page)) return state::unpack_page(page, *packed);
  return stored_page(page, true);
}

// A page read from the store: the whole record checked, its hashes derived.
std::optional<state::PageNodes> Ledger::stored_page(const state::NodeKey& page,
                                                    bool fill_cache) const {
  auto v = read("state", std::string(as_sv(state::encode_node_key(page))));
  if (!v) return std::nullopt;
  auto nodes = state::decode_page(page, as_bytes(*v));
  if (nodes && fill_cache) cache_packed(page, *nodes);
  return nodes;
}

// Reads for the tip's tree fill the cache (`fill_cache`); those for older
// heights (proofs) do not, so that it only ever holds the tip's pages.
std::optional<state::Node> Ledger::node(const state::NodeKey& k, bool fill_cache) const {
  const state::NodeKey pk = state::page_of(k);
  // A tree update reads a page's nodes one after another: the last page
  // found spares the position's hash lookup (cache_page forgets it).
  const state::Bytes* packed = memo_packed_ && memo_page_ == pk ? memo_packed_ : cached_page(pk);
  if (packed) {
    memo_page_ = pk;
    memo_packed_ = packed;
    return state::node_in_packed_page(pk, *packed, k);
  }
  auto nodes = stored_page(pk, fill_cache);
  const state::Node* n = nodes ? state::find_in_page(*nodes, k) : nullptr;
  if (!n) return std::nullopt;
  return *n;
}

namespace {
state::NodeKey position(const state::NodeKey& page) {
  return {0, page.depth, page.path};
}
}  // namespace

// The page when the cache holds that version at its position. The older
// generation answers only for a position the newer lacks: one that no commit
// rewrote since, so its page is still the tip's (never a stale or pruned one).
const state::Bytes* Ledger::cached_page(const state::NodeKey& page) const {
  const state::NodeKey pos = position(page);
  if (auto it = pages_now_.find(pos); it != pages_now_.end())
    return it->second.version == page.version ? &it->second.page : nullptr;
  auto it = pages_old_.find(pos);
  if (it == pages_old_.end() || it->second.version != page.version) return nullptr;
  state::Bytes record = std::move(it->second.page);
  pages_old_.erase(it);
  cache_page(page, std::move(record));
  auto now = pages_now_.find(pos);
  return now == pages_now_.end() ? nullptr : &now->second.page;
}

// The cache's entry for `page`, its version set, or nullptr when the cache
// is off or holds a newer page there. Every change to the cache passes here,
// so the node() memo is forgotten here.
Ledger::CachedPage* Ledger::cache_slot(const state::NodeKey& page) const {
  memo_packed_ = nullptr;
  if (opt_.page_cache_entries < 2) return nullptr;
  const state::NodeKey pos = position(page);
  auto it = pages_now_.find(pos);
  if (it != pages_now_.end() && it->second.version > page.version) return nullptr;  // never back
  if (it == pages_now_.end() && pages_now_.size() >= opt_.page_cache_entries / 2) {
    pages_old_ = std::move(pages_now_);
    pages_now_.clear();
  }
  CachedPage& c = it != pages_now_.end() ? it->second : pages_now_[pos];
  c.version = page.version;
  return &c;
}

void Ledger::cache_page(const state::NodeKey& page, state::Bytes record) const {
  if (CachedPage* c = cache_slot(page)) c->page = std::move(record);
}

// Packs into the entry's own buffer: a commit's page replaces its position's
// older one, whose allocation it reuses.
void Ledger::cache_packed(const state::NodeKey& page, const state::PageNodes& nodes) const {
  if (CachedPage* c = cache_slot(page)) state::pack_page_into(nodes, c->page);
}

class Ledger::Uncached final : public state::NodeReader {
 public:
  explicit Uncached(const Ledger& l) : l_(l) {}
  std::optional<state::Node> get(const state::NodeKey& k) const override {
    return l_.node(k, false);
  }

 private:
  const Ledger& l_;
};

// Reads the state after the top overlay of a chain: each overlay's own
// writes and nodes, newest first, then the committed store.
class Ledger::View final : public execution::StateReader, public state::NodeReader {
 public:
  View(const Ledger& l, const Overlay* top) : l_(l), top_(top) {}
  std::optional<execution::Bytes> get(const Hash& key_hash) const override {
    for (const Overlay* o = top_; o; o = o->up.get())
      if (auto it = o->ex.writes.find(key_hash); it != o->ex.writes.end()) return it->second;
    return l_.get(key_hash);
  }
  std::optional<state::Node> get(const state::NodeKey& k) const override {
    const state::NodeKey pk = state::page_of(k);
    for (const Overlay* o = top_; o; o = o->up.get())
      if (const state::PageNodes* page = state::find_page(o->ex.pages, pk)) {
        if (const state::Node* n = state::find_in_page(*page, k)) return *n;
        return std::nullopt;
      }
    return l_.get(k);
  }
  std::optional<state::PageNodes> get_page(const state::NodeKey& page) const override {
    for (const Overlay* o = top_; o; o = o->up.get())
      if (const state::PageNodes* nodes = state::find_page(o->ex.pages, page)) return *nodes;
    return l_.get_page(page);
  }

 private:
  const Ledger& l_;
  const Overlay* top_;
};

namespace {

// Why `b` is not a well-formed block (id, tx root and count), or "".
std::string check_block_shape(const Block& b) {
  if (b.id != consensus::compute_block_id(b.hdr)) return "block id mismatch";
  BlockId txr = consensus::compute_tx_root(b.txs);
  if (std::memcmp(txr.data(), b.hdr.tx_root, 32) != 0 ||
      b.hdr.tx_count != consensus::split_frames(b.txs).size())
    return "tx root or count mismatch";
  return "";
}

}  // namespace

std::optional<Ledger::Executed> Ledger::execute_block(const View& v,
                                                      const state::ChildRef& parent_root,
                                                      const Block& b,
                                                      std::span<const uint8_t> sig_valid,
                                                      std::string* error) const {
  Executed ex;
  uint64_t t0 = now_ns();
  std::vector<uint8_t> verified;
  if (sig_valid.size() != b.hdr.tx_count) {
    verified = execution::verify_frames(consensus::split_frames(b.txs));
    sig_valid = verified;
  }
  uint64_t t1 = now_ns();
  execution::BlockOutput out = execution::execute(v, {b.txs, b.hdr.proposer, sig_valid});
  uint64_t t2 = now_ns();
  std::vector<state::LeafUpdate> ups;
  ups.reserve(out.writes.size());
  for (auto& [k, val] : out.writes) ups.push_back({k, val});
  auto tree = state::apply_page_updates(v, parent_root, b.hdr.height, ups, error);
  if (!tree) return std::nullopt;
  ex.pages = std::move(tree->pages);
  ex.stale = std::move(tree->stale);
  uint64_t t3 = now_ns();
  ex.receipts = std::move(out.receipts);
  ex.writes = std::move(out.writes);
  ex.next_epoch = std::move(out.next_epoch);
  ex.applied = out.applied;
  ex.root = tree->root;
  ex.stats = {t1 - t0, t2 - t1, t3 - t2, 0};
  return ex;
}

Speculation Ledger::after(const BlockId& id) {
  Speculation r;
  if (id == tip_id_) return r.state_root = tip_root_.hash, r;
  if (auto it = spec_.find(id); it != spec_.end())
    return r.state_root = it->second->ex.root.hash, r.next_epoch = it->second->ex.next_epoch, r;
  if (auto h = height_of(id)) {
    auto root = state_root(*h);
    if (!root)
      return r.error = "state root of committed height " + std::to_string(*h) + " missing", r;
    return r.state_root = *root, r;
  }
  const Block* b = block(id);
  if (!b) return r.error = "block not here", r;
  return speculate(*b);
}

Speculation Ledger::speculate(const Block& b, std::span<const uint8_t> sig_valid) {
  Speculation r;
  auto refuse = [&](std::string why) { return r.error = std::move(why), r.refused = true, r; };
  if (opt_.read_only || !genesis_) return r.error = "store cannot execute", r;
  if (auto it = spec_.find(b.id); it != spec_.end())
    return r.state_root = it->second->ex.root.hash, r.next_epoch = it->second->ex.next_epoch, r;
  const vigil_block_hdr& h = b.hdr;
  if (std::string why = check_block_shape(b); !why.empty()) return refuse(why);
  if (h.height <= tip_height_) return refuse("at or below the committed tip");
  const BlockId parent = consensus::to_id(h.parent_id);
  std::shared_ptr<Overlay> up;
  state::ChildRef parent_root = tip_root_;
  if (parent != tip_id_) {
    if (h.height == tip_height_ + 1) return refuse("does not extend the committed tip");
    if (h.height - tip_height_ > opt_.max_speculative)
      return r.error = "too far above the committed tip", r;
    Speculation p = after(parent);
    if (!p.ok()) return r.error = "parent: " + p.error, r.refused = p.refused, r;
    up = spec_.at(parent);
    parent_root = up->ex.root;
    if (h.height != up->height + 1) return refuse("not the parent's next height");
  }
  if (std::memcmp(h.state_root, parent_root.hash.data(), 32) != 0)
    return refuse("header state root is not the state after the parent");
  if (spec_.size() >= opt_.max_speculative) return r.error = "speculation bound reached", r;
  View view(*this, up.get());
  std::string err;
  auto ex = execute_block(view, parent_root, b, sig_valid, &err);
  if (!ex) return r.error = "state tree: " + err, r;
  auto o =
      std::make_shared<Overlay>(Overlay{b.id, parent, h.height, std::move(up), std::move(*ex)});
  r.state_root = o->ex.root.hash;
  r.next_epoch = o->ex.next_epoch;
  spec_.emplace(b.id, std::move(o));
  return r;
}

// After the tip moved: outcomes at or below it go (committed or abandoned),
// as do those on a branch that no longer reaches it; the rest whose parent
// is the new tip read it from the store from now on.
void Ledger::prune_speculation() {
  std::vector<std::shared_ptr<Overlay>> by_height;
  for (auto& [id, o] : spec_) by_height.push_back(o);
  std::sort(by_height.begin(), by_height.end(),
            [](const auto& a, const auto& b) { return a->height < b->height; });
  for (auto& o : by_height) {
    bool keep = o->height > tip_height_;
    if (keep && o->up && o->up->height <= tip_height_) {
      keep = o->up->id == tip_id_;
      o->up.reset();
    } else if (keep && o->up) {
      keep = spec_.count(o->up->id) != 0;
    } else if (keep) {
      keep = o->parent == tip_id_;
    }
    if (!keep) spec_.erase(o->id);
  }
}

// The transactions' index: signature + height -> frame index, put in key
// order (stable, so a repeated signature ends as before at its last frame):
// the family's insert hint then finds each key next to the one before
// instead of searching the memtable from its top for random signatures.
void Ledger::put_tx_index(rocksdb::WriteBatch& batch, const Block& b, const std::string& hk) {
  struct Entry {
    std::array<char, 64 + 8 + 4> rec;  // key (signature, height), value (u32 LE)
  };
  std::vector<ByteView> frames = consensus::split_frames(b.txs);
  std::vector<Entry> entries;
  entries.reserve(frames.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    ingest::FrameView f;
    if (ingest::parse_frame(frames[i], f) != VIGIL_OK) continue;
    Entry& e = entries.emplace_back();
    std::memcpy(e.rec.data(), f.signature, 64);
    std::memcpy(e.rec.data() + 64, hk.data(), 8);
    for (size_t k = 0; k < 4; ++k) e.rec[72 + k] = char(uint8_t(i >> (8 * k)));
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) {
    return std::memcmp(x.rec.data(), y.rec.data(), 72) < 0;
  });
  for (const Entry& e : entries)
    batch.Put(cf("txs"), rocksdb::Slice(e.rec.data(), 72), rocksdb::Slice(e.rec.data() + 72, 4));
}

CommitResult Ledger::commit(const Block& b, const QuorumCert& qc,
                            std::span<const uint8_t> sig_valid) {
  CommitResult r;
  if (opt_.read_only) return r.error = "read-only store", r;
  if (!genesis_) return r.error = "no genesis", r;
  const vigil_block_hdr& h = b.hdr;
  if (h.height != tip_height_ + 1) return r.error = "not the next height", r;
  if (std::memcmp(h.parent_id, tip_id_.data(), 32) != 0)
    return r.error = "parent is not the tip", r;
  if (std::string why = check_block_shape(b); !why.empty()) return r.error = why, r;
  if (std::memcmp(h.state_root, tip_root_.hash.data(), 32) != 0)
    return r.error = "header state root is not the state after the parent", r;
  if (qc.block_id() != b.id || qc.vote.height != h.height) return r.error = "QC is not for it", r;

  // Executed ahead when speculated (its parent is the tip now), else here.
  std::optional<Executed> ex;
  if (auto it = spec_.find(b.id); it != spec_.end() && !it->second->up) {
    ex = std::move(it->second->ex);
    spec_.erase(it);
  } else {
    std::string err;
    ex = execute_block(View(*this, nullptr), tip_root_, b, sig_valid, &err);
    if (!ex) return r.error = "state tree: " + err, r;
  }
  uint64_t t3 = now_ns();

  // The batch's buffer is kept from commit to commit (growing it by doubling
  // copied it over and over, and a fresh one faulted its pages in each time).
  rocksdb::WriteBatch& batch = batch_;
  batch.Clear();
  const std::string hk = height_key(h.height);
  batch.Put(cf("blocks"), hk, encode_block(b));
  batch.Put(cf("block_ids"), id_key(b.id), hk);
  batch.Put(cf("qcs"), hk, encode_qc(qc));
  batch.Put(cf("receipts"), hk, encode_receipts(ex->receipts));
  put_tx_index(batch, b, hk);
  for (auto& [k, v] : ex->writes) batch.Put(cf("accounts"), as_sv(k), as_sv(v));
  // The batch copies each record: one buffer, reused, encodes them all.
  for (const auto& [pk, nodes] : ex->pages) {  // in key order, as the insert hint wants
    if (!state::encode_page_into(nodes, page_record_))
      return r.error = "state page not encodable (the tree update broke a page)", r;
    batch.Put(cf("state"), as_sv(state::encode_node_key(pk)), as_sv(page_record_));
  }
  if (!ex->stale.empty()) batch.Put(cf("stale"), hk, encode_stale(ex->stale));
  if (prune_keep_ && h.height >= prune_keep_) {
    // Pages stale since version h - keep serve no retained version any more
    // (earlier ones went with earlier commits).
    const std::string old = height_key(h.height - prune_keep_);
    if (auto list = read("stale", old)) {
      auto keys = decode_stale(*list);
      if (!keys)
        return r.error =
                   "stale list of height " + std::to_string(h.height - prune_keep_) + " corrupt",
               r;
      for (const auto& k : *keys) batch.Delete(cf("state"), as_sv(state::encode_node_key(k)));
      batch.Delete(cf("stale"), old);
    }
  }
  batch.Put(cf("meta"), root_key(h.height), as_sv(state::encode_ref(ex->root)));
  batch.Put(cf("meta"), "tip", tip_value(h.height, b.id));
  if (auto e = pending_epochs_.find(b.id); e != pending_epochs_.end())
    batch.Put(cf("meta"), "epoch", encode_epoch(e->second));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db_->Write(wo, &batch);
  uint64_t t4 = now_ns();
  if (!s.ok()) return last_error_ = s.ToString(), r.error = "write failed: " + s.ToString(), r;

  // Each new page takes its position's old one's place in the cache; stale
  // pages stay readable for older heights from the store only.
  for (const auto& [pk, nodes] : ex->pages) cache_packed(pk, nodes);
  for (auto& [k, v] : ex->writes) cache_account(k, std::move(v));
  tip_height_ = h.height;
  tip_id_ = b.id;
  tip_root_ = ex->root;
  trim_caches();
  prune_speculation();
  r.state_root = ex->root.hash;
  r.receipts = std::move(ex->receipts);
  r.next_epoch = std::move(ex->next_epoch);
  r.applied = ex->applied;
  r.stats = ex->stats;
  r.stats.write_ns = t4 - t3;
  return r;
}

void Ledger::trim_caches() {
  for (auto it = pending_blocks_.begin(); it != pending_blocks_.end();)
    it = it->second.hdr.height <= tip_height_ ? pending_blocks_.erase(it) : std::next(it);
  for (auto it = pending_qcs_.begin(); it != pending_qcs_.end();)
    it = it->second.vote.height < tip_height_ ? pending_qcs_.erase(it) : std::next(it);
  for (auto it = pending_epochs_.begin(); it != pending_epochs_.end();)
    it = it->second.root_height <= tip_height_ ? pending_epochs_.erase(it) : std::next(it);
  constexpr size_t kMaxDecoded = 256;
  if (block_cache_.size() > kMaxDecoded) block_cache_.clear();
  if (qc_cache_.size() > kMaxDecoded) qc_cache_.clear();
}

std::string Ledger::replay(std::span<const CommittedBlock> blocks) {
  for (const auto& cb : blocks) {
    execution::GovernanceState g = governance();
    std::string why = check_qc(cb.qc, cb.block, g.epoch, g.validators);
    if (!why.empty()) return "height " + std::to_string(cb.block.hdr.height) + ": " + why;
    CommitResult r = commit(cb.block, cb.qc);
    if (!r.ok()) return "height " + std::to_string(cb.block.hdr.height) + ": " + r.error;
  }
  return "";
}

std::optional<uint64_t> Ledger::height_of(const BlockId& id) const {
  auto v = read("block_ids", id_key(id));
  if (!v) return std::nullopt;
  return parse_height_key(*v);
}

std::optional<CommittedBlock> Ledger::block_at(uint64_t h, std::string* error) const {
  auto fail = [&](std::string why) -> std::optional<CommittedBlock> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  auto bv = read("blocks", height_key(h));
  if (!bv) return fail("block missing");
  auto b = decode_block(*bv);
  if (!b) return fail("block record corrupt");
  CommittedBlock cb{std::move(*b), {}, {}};
  if (h > 0) {
    auto qv = read("qcs", height_key(h));
    if (!qv) return fail("QC missing");
    auto qc = decode_qc(*qv);
    if (!qc) return fail("QC record corrupt");
    cb.qc = std::move(*qc);
  }
  auto rv = read("receipts", height_key(h));
  if (!rv) return fail("receipts missing");
  auto rs = decode_receipts(*rv);
  if (!rs) return fail("receipts record corrupt");
  cb.receipts = std::move(*rs);
  return cb;
}

std::optional<std::vector<vigil_receipt>> Ledger::receipts_at(uint64_t h) const {
  auto rv = read("receipts", height_key(h));
  if (!rv) return std::nullopt;
  return decode_receipts(*rv);
}

std::vector<CommittedBlock> Ledger::block_range(uint64_t from, uint32_t max) const {
  std::vector<CommittedBlock> out;
  for (uint64_t h = from; h <= tip_height_ && out.size() < max; ++h) {
    auto cb = block_at(h);
    if (!cb) break;
    out.push_back(std::move(*cb));
  }
  return out;
}

std::vector<TxLocation> Ledger::find_tx(std::span<const uint8_t, 64> sig) const {
  std::vector<TxLocation> out;
  const std::string prefix(reinterpret_cast<const char*>(sig.data()), 64);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf("txs")));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix) && out.size() < 16;
       it->Next()) {
    auto h = parse_height_key(it->key().ToStringView().substr(64));
    if (!h || it->value().size() != 4) continue;
    const auto* p = reinterpret_cast<const uint8_t*>(it->value().data());
    out.push_back({*h, uint32_t(p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24)});
  }
  return out;
}

std::optional<Account> Ledger::account(const PublicKey& pk) const {
  auto v = get(execution::account_key(pk));
  if (!v) return std::nullopt;
  auto a = execution::decode_account(*v);
  if (!a) return std::nullopt;
  return a->second;
}

std::optional<AccountAt> Ledger::account_at(const PublicKey& pk, uint64_t h,
                                            std::string* error) const {
  auto root = root_ref(h);
  if (!root || h > tip_height_) {
    if (error) *error = "no state at height " + std::to_string(h);
    return std::nullopt;
  }
  AccountAt a;
  a.height = h;
  a.state_root = root->hash;
  const Hash key = execution::account_key(pk);
  std::string why;
  const Uncached older(*this);
  const state::NodeReader& nodes =
      h == tip_height_ ? static_cast<const state::NodeReader&>(*this) : older;
  auto proof = state::prove(nodes, *root, key, &why);
  if (!proof) {
    if (error)
      *error = "state at height " + std::to_string(h) + " pruned or damaged (" + why +
               "); proofs are kept for the last " + std::to_string(prune_keep_) + " heights";
    return std::nullopt;
  }
  a.proof = std::move(*proof);
  if (auto v = state::lookup(nodes, *root, key)) {
    if (auto d = execution::decode_account(*v)) a.account = d->second;
  }
  return a;
}

// --- consensus::Storage ------------------------------------------------------

void Ledger::put_block(const Block& b) {
  if (b.hdr.height <= tip_height_ && height_of(b.id)) return;
  pending_blocks_.try_emplace(b.id, b);
}

const Block* Ledger::block(const BlockId& id) const {
  if (auto it = pending_blocks_.find(id); it != pending_blocks_.end()) return &it->second;
  if (auto it = block_cache_.find(id); it != block_cache_.end()) return &it->second;
  auto h = height_of(id);
  if (!h) return nullptr;
  auto bv = read("blocks", height_key(*h));
  if (!bv) return nullptr;
  auto b = decode_block(*bv);
  if (!b || b->id != id) return nullptr;
  return &block_cache_.emplace(id, std::move(*b)).first->second;
}

void Ledger::put_qc(const QuorumCert& qc) {
  pending_qcs_.try_emplace(qc.block_id(), qc);
}

const QuorumCert* Ledger::qc_for(const BlockId& id) const {
  if (auto it = pending_qcs_.find(id); it != pending_qcs_.end()) return &it->second;
  if (auto it = qc_cache_.find(id); it != qc_cache_.end()) return &it->second;
  auto h = height_of(id);
  if (!h || *h == 0) return nullptr;
  auto qv = read("qcs", height_key(*h));
  if (!qv) return nullptr;
  auto qc = decode_qc(*qv);
  if (!qc) return nullptr;
  return &qc_cache_.emplace(id, std::move(*qc)).first->second;
}

void Ledger::put_meta(const std::string& key, const std::string& value, bool sync) {
  if (opt_.read_only) return;
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  rocksdb::Status s = db_->Put(wo, cf("meta"), key, value);
  if (!s.ok()) last_error_ = s.ToString();
}

void Ledger::put_high_qc(const QuorumCert& qc) {
  put_meta("high_qc", encode_qc(qc), false);
}

std::optional<QuorumCert> Ledger::high_qc() const {
  auto v = read("meta", "high_qc");
  if (!v) return std::nullopt;
  return decode_qc(*v);
}

void Ledger::put_high_tc(const consensus::TimeoutCert& tc) {
  put_meta("high_tc", encode_tc(tc), false);
}

std::optional<consensus::TimeoutCert> Ledger::high_tc() const {
  auto v = read("meta", "high_tc");
  if (!v) return std::nullopt;
  return decode_tc(*v);
}

// The core's commit decision: the durable tip moves only with commit().
void Ledger::put_committed(const consensus::CommittedTip&) {}

std::optional<consensus::CommittedTip> Ledger::committed() const {
  if (!genesis_) return std::nullopt;
  return consensus::CommittedTip{tip_id_, tip_height_};
}

void Ledger::put_epoch(const consensus::EpochRecord& e) {
  if (e.root_height <= tip_height_ && height_of(e.root_id))
    put_meta("epoch", encode_epoch(e), true);
  else
    pending_epochs_[e.root_id] = e;
}

std::optional<consensus::EpochRecord> Ledger::epoch() const {
  auto v = read("meta", "epoch");
  if (!v) return std::nullopt;
  return decode_epoch(*v);
}

void Ledger::put_epoch_end_qc(consensus::Epoch e, const QuorumCert& qc) {
  put_meta("epoch_end/" + height_key(e), encode_qc(qc), false);
  epoch_end_cache_[e] = qc;
}

const QuorumCert* Ledger::epoch_end_qc(consensus::Epoch e) const {
  if (auto it = epoch_end_cache_.find(e); it != epoch_end_cache_.end()) return &it->second;
  auto v = read("meta", "epoch_end/" + height_key(e));
  if (!v) return nullptr;
  auto qc = decode_qc(*v);
  if (!qc) return nullptr;
  return &epoch_end_cache_.emplace(e, std::move(*qc)).first->second;
}

void Ledger::save_safety(const consensus::SafetyState& s) {
  if (opt_.read_only) return;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status st = db_->Put(wo, cf("safety"), "safety", encode_safety(s));
  if (!st.ok()) last_error_ = st.ToString();
}

std::optional<consensus::SafetyState> Ledger::safety() const {
  auto v = read("safety", "safety");
  if (!v) return std::nullopt;
  return decode_safety(*v);
}

}  // namespace vigil::ledger
