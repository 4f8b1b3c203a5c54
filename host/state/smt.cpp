#include "host/state/smt.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

#include "host/crypto/sha2.hpp"

namespace vigil::state {
namespace {

void put_u64_le(Bytes& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(uint8_t(v >> (8 * i)));
}
uint64_t get_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}
bool is_zero(const Hash& h) {
  return std::all_of(h.begin(), h.end(), [](uint8_t b) { return b == 0; });
}
void set_bit(Hash& k, uint16_t i) {
  k[i / 8] = uint8_t(k[i / 8] | (0x80u >> (i % 8)));
}
// True when a and b agree on their first `bits` bits.
bool same_prefix(const Hash& a, const Hash& b, uint16_t bits) {
  for (uint16_t i = 0; i < bits; ++i)
    if (key_bit(a, i) != key_bit(b, i)) return false;
  return true;
}
// The first `depth` bits of k, the rest zero.
Hash mask_path(const Hash& k, uint16_t depth) {
  Hash p{};
  const size_t whole = depth / 8;
  std::memcpy(p.data(), k.data(), whole);
  if (depth % 8) p[whole] = uint8_t(k[whole] & (0xff00u >> (depth % 8)));
  return p;
}
// SHA-256(prefix || a || b): leaves (0x00) and internal nodes (0x01).
Hash hash_pair(uint8_t prefix, const Hash& a, const Hash& b) {
  uint8_t buf[65];
  buf[0] = prefix;
  std::memcpy(buf + 1, a.data(), 32);
  std::memcpy(buf + 33, b.data(), 32);
  return crypto::sha256({buf, sizeof buf});
}
Hash leaf_hash_of(const Hash& key_hash, const Hash& value_hash) {
  return hash_pair(0x00, key_hash, value_hash);
}

std::string missing_node(uint16_t depth, uint64_t version) {
  return "state node missing or of the wrong kind at depth " + std::to_string(depth) +
         ", version " + std::to_string(version);
}

// The updates (sorted) with an old leaf that none of them replaces put in
// its place among them, or nullopt when one replaces it.
std::optional<std::vector<LeafUpdate>> beside_old_leaf(std::span<const LeafUpdate> ups,
                                                       const Node& old) {
  auto hit = std::lower_bound(ups.begin(), ups.end(), old.key_hash,
                              [](const LeafUpdate& u, const Hash& k) { return u.key_hash < k; });
  if (hit != ups.end() && hit->key_hash == old.key_hash) return std::nullopt;
  std::vector<LeafUpdate> merged(ups.begin(), hit);
  merged.push_back({old.key_hash, old.value});
  merged.insert(merged.end(), hit, ups.end());
  return merged;
}

// What both updates (node by node, page by page) share: the store they
// read, the version they write and their first failure.
class TreeWriter {
 public:
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }

 protected:
  TreeWriter(const NodeReader& store, uint64_t version) : store_(store), version_(version) {}
  ChildRef fail(std::string what) {
    if (!failed_) error_ = std::move(what);
    failed_ = true;
    return {};
  }

  const NodeReader& store_;
  uint64_t version_;
  bool failed_ = false;
  std::string error_;
};

// One batch update: walks down the old tree where updates land, writes the
// new nodes bottom-up and lists the replaced ones.
class Updater : public TreeWriter {
 public:
  Updater(const NodeReader& store, uint64_t version, size_t updates) : TreeWriter(store, version) {
    // About a page of rewritten nodes per update (fewer near the root, where
    // paths share), so the lists seldom grow by copying.
    out_.writes.reserve(updates * 12);
    out_.stale.reserve(updates * 12);
  }

  ChildRef update(const ChildRef& cur, uint16_t depth, const Hash& path,
                  std::span<const LeafUpdate> ups) {
    if (failed_) return cur;
    if (ups.empty()) return carry(cur, depth, path);
    switch (cur.kind) {
      case ChildKind::empty:
        if (ups.size() == 1) return write_leaf(depth, path, ups[0]);
        return split({}, {}, depth, path, ups);
      case ChildKind::leaf: {
        std::optional<Node> old = load(cur, depth, path);
        if (!old) return cur;
        out_.stale.push_back({cur.version, depth, path});
        // Unless replaced, the old leaf moves down beside the new keys.
        std::optional<std::vector<LeafUpdate>> merged = beside_old_leaf(ups, *old);
        if (merged) return split({}, {}, depth, path, *merged);
        if (ups.size() == 1) return write_leaf(depth, path, ups[0]);
        return split({}, {}, depth, path, ups);
      }
      case ChildKind::internal: {
        std::optional<Node> old = load(cur, depth, path);
        if (!old) return cur;
        out_.stale.push_back({cur.version, depth, path});
        return split(old->left, old->right, depth, path, ups);
      }
    }
    return cur;
  }

  TreeUpdate take(ChildRef root) {
    out_.root = root;
    return std::move(out_);
  }

 private:
  ChildRef split(const ChildRef& left, const ChildRef& right, uint16_t depth, const Hash& path,
                 std::span<const LeafUpdate> ups) {
    if (depth >= kKeyBits) return fail("two updates of one key");
    auto mid = std::partition_point(ups.begin(), ups.end(), [depth](const LeafUpdate& u) {
      return !key_bit(u.key_hash, depth);
    });
    Hash right_path = path;
    set_bit(right_path, depth);
    Node n;
    n.kind = ChildKind::internal;
    n.left = update(left, uint16_t(depth + 1), path, {ups.begin(), mid});
    n.right = update(right, uint16_t(depth + 1), right_path, {mid, ups.end()});
    ChildRef ref{ChildKind::internal, version_, internal_hash(n.left.hash, n.right.hash)};
    out_.writes.push_back({NodeKey{version_, depth, path}, std::move(n)});
    return ref;
  }

  ChildRef write_leaf(uint16_t depth, const Hash& path, const LeafUpdate& u) {
    Node n;
    n.kind = ChildKind::leaf;
    n.key_hash = u.key_hash;
    n.value = u.value;
    ChildRef ref{ChildKind::leaf, version_, leaf_hash(u.key_hash, u.value)};
    out_.writes.push_back({NodeKey{version_, depth, path}, std::move(n)});
    return ref;
  }

  // An untouched subtree under a rewritten node: the part of it in the same
  // page moves to this version unchanged (same hashes), so that the page is
  // rewritten whole; deeper pages keep their version.
  ChildRef carry(const ChildRef& cur, uint16_t depth, const Hash& path) {
    if (cur.kind == ChildKind::empty || depth % kPageLevels == 0 || failed_) return cur;
    std::optional<Node> n = load(cur, depth, path);
    if (!n) return cur;
    out_.stale.push_back({cur.version, depth, path});
    if (n->kind == ChildKind::internal) {
      if (depth >= kKeyBits) return fail("internal node below the last key bit");
      Hash right_path = path;
      set_bit(right_path, depth);
      n->left = carry(n->left, uint16_t(depth + 1), path);
      n->right = carry(n->right, uint16_t(depth + 1), right_path);
    }
    out_.writes.push_back({NodeKey{version_, depth, path}, std::move(*n)});
    return ChildRef{cur.kind, version_, cur.hash};
  }

  std::optional<Node> load(const ChildRef& ref, uint16_t depth, const Hash& path) {
    std::optional<Node> n = store_.get({ref.version, depth, path});
    if (!n || n->kind != ref.kind) {
      fail(missing_node(depth, ref.version));
      return std::nullopt;
    }
    return n;
  }

  TreeUpdate out_;
};

// Walks the key's path; calls on_sibling(depth, hash) for each level passed.
template <class F>
std::optional<Node> walk(const NodeReader& store, const ChildRef& root, const Hash& key_hash,
                         std::string* error, bool& ok, F&& on_sibling) {
  ok = true;
  ChildRef ref = root;
  Hash path{};
  for (uint16_t depth = 0;; ++depth) {
    if (ref.kind == ChildKind::empty) return std::nullopt;
    std::optional<Node> n = store.get({ref.version, depth, path});
    if (!n || n->kind != ref.kind || (n->kind == ChildKind::internal && depth >= kKeyBits)) {
      if (error) *error = "state node missing at depth " + std::to_string(depth);
      ok = false;
      return std::nullopt;
    }
    if (n->kind == ChildKind::leaf) return n;
    bool bit = key_bit(key_hash, depth);
    on_sibling(depth, bit ? n->left.hash : n->right.hash);
    ref = bit ? n->right : n->left;
    if (bit) set_bit(path, depth);
  }
}

}  // namespace

Bytes encode_node_key(const NodeKey& k) {
  Bytes out;
  out.reserve(10 + 32);
  for (int i = 7; i >= 0; --i) out.push_back(uint8_t(k.version >> (8 * i)));
  out.push_back(uint8_t(k.depth >> 8));
  out.push_back(uint8_t(k.depth));
  out.insert(out.end(), k.path.begin(), k.path.begin() + (k.depth + 7) / 8);
  return out;
}

std::optional<NodeKey> decode_node_key(ByteView b) {
  if (b.size() < 10) return std::nullopt;
  NodeKey k;
  for (int i = 0; i < 8; ++i) k.version = k.version << 8 | b[size_t(i)];
  k.depth = uint16_t(b[8] << 8 | b[9]);
  if (k.depth > kKeyBits || b.size() != 10 + size_t(k.depth + 7) / 8) return std::nullopt;
  std::memcpy(k.path.data(), b.data() + 10, b.size() - 10);
  if (mask_path(k.path, k.depth) != k.path) return std::nullopt;
  return k;
}

Bytes encode_ref(const ChildRef& r) {
  Bytes out{uint8_t(r.kind)};
  if (r.kind == ChildKind::empty) return out;
  put_u64_le(out, r.version);
  out.insert(out.end(), r.hash.begin(), r.hash.end());
  return out;
}

namespace {
// Reads one ChildRef at p (at most `left` bytes); returns bytes used, 0 on error.
size_t read_ref(const uint8_t* p, size_t left, ChildRef& r) {
  if (left < 1 || p[0] > uint8_t(ChildKind::leaf)) return 0;
  r = ChildRef{};
  r.kind = ChildKind(p[0]);
  if (r.kind == ChildKind::empty) return 1;
  if (left < 41) return 0;
  r.version = get_u64_le(p + 1);
  std::memcpy(r.hash.data(), p + 9, 32);
  return 41;
}
}  // namespace

std::optional<ChildRef> decode_ref(ByteView b) {
  ChildRef r;
  size_t n = read_ref(b.data(), b.size(), r);
  if (n == 0 || n != b.size()) return std::nullopt;
  return r;
}

namespace {
void append_ref(Bytes& out, const ChildRef& r) {
  out.push_back(uint8_t(r.kind));
  if (r.kind == ChildKind::empty) return;
  put_u64_le(out, r.version);
  out.insert(out.end(), r.hash.begin(), r.hash.end());
}
// Appends encode_node(n) without temporaries (a commit encodes ~10^5 nodes).
void append_node(Bytes& out, const Node& n) {
  out.push_back(uint8_t(n.kind));
  if (n.kind == ChildKind::internal) {
    append_ref(out, n.left);
    append_ref(out, n.right);
  } else {
    out.insert(out.end(), n.key_hash.begin(), n.key_hash.end());
    out.insert(out.end(), n.value.begin(), n.value.end());
  }
}
}  // namespace

Bytes encode_node(const Node& n) {
  Bytes out;
  out.reserve(1 + 2 * 41);
  append_node(out, n);
  return out;
}

std::optional<Node> decode_node(ByteView b) {
  if (b.empty()) return std::nullopt;
  Node n;
  if (b[0] == uint8_t(ChildKind::internal)) {
    n.kind = ChildKind::internal;
    size_t a = read_ref(b.data() + 1, b.size() - 1, n.left);
    if (a == 0) return std::nullopt;
    size_t c = read_ref(b.data() + 1 + a, b.size() - 1 - a, n.right);
    if (c == 0 || 1 + a + c != b.size()) return std::nullopt;
    return n;
  }
  if (b[0] != uint8_t(ChildKind::leaf) || b.size() < 33) return std::nullopt;
  n.kind = ChildKind::leaf;
  std::memcpy(n.key_hash.data(), b.data() + 1, 32);
  n.value.assign(b.begin() + 33, b.end());
  return n;
}

NodeKey page_of(const NodeKey& k) {
  const uint16_t d = uint16_t(k.depth - k.depth % kPageLevels);
  return {k.version, d, mask_path(k.path, d)};
}

namespace {

// Page records, format /3 (smt.hpp, encode_page). Nodes sit in slots
// numbered breadth first from the page's own node (0): slot i has depth
// floor(log2(i + 1)) below the page and children 2i + 1 and 2i + 2, so slot
// order is NodeKey order.
constexpr size_t kLastLevelSlot = (1u << (kPageLevels - 1)) - 1;  // 7: slots 7..14 have exits
enum ChildCode : uint8_t { kNoChild = 0, kInPage = 1, kOutInternal = 2, kOutLeaf = 3 };

void put_varint(Bytes& out, uint64_t v) {
  for (; v >= 0x80; v >>= 7) out.push_back(uint8_t(v | 0x80));
  out.push_back(uint8_t(v));
}

// A minimal LEB128 at b[at]; false when cut short, over 64 bits or padded.
bool get_varint(ByteView b, size_t& at, uint64_t& v) {
  v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (at >= b.size()) return false;
    const uint8_t byte = b[at++];
    if (shift == 63 && byte > 1) return false;
    v |= uint64_t(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return byte != 0 || shift == 0;
  }
  return false;
}

uint16_t slot_level(size_t slot) {
  uint16_t level = 0;
  while ((size_t(2) << level) <= slot + 1) ++level;
  return level;
}

// The path bits of `k` from depth `from` down to its own, most significant
// first: a node's place below the node at `from`.
size_t bits_below(const NodeKey& k, uint16_t from) {
  size_t bits = 0;
  for (uint16_t i = from; i < k.depth; ++i) bits = bits << 1 | size_t(key_bit(k.path, i));
  return bits;
}

// Sets the `count` path bits of `k` from depth `from` to `bits` (as
// bits_below gives them); k.depth is the caller's.
void set_bits_below(NodeKey& k, uint16_t from, uint16_t count, size_t bits) {
  for (uint16_t i = 0; i < count; ++i)
    if ((bits >> (count - 1 - i)) & 1) set_bit(k.path, uint16_t(from + i));
}

// A packed page's per-node length (u32 LE) at p.
size_t get_u32_le(const uint8_t* p) {
  size_t v = 0;
  for (int i = 0; i < 4; ++i) v |= size_t(p[i]) << (8 * i);
  return v;
}

// The slot of node `k` of page `top`, or kPageMaxNodes when it is not one.
size_t slot_of(const NodeKey& top, const NodeKey& k) {
  if (k.version != top.version || k.depth < top.depth || k.depth >= top.depth + kPageLevels ||
      mask_path(k.path, top.depth) != top.path || mask_path(k.path, k.depth) != k.path)
    return kPageMaxNodes;
  return (size_t(1) << (k.depth - top.depth)) - 1 + bits_below(k, top.depth);
}

NodeKey key_of_slot(const NodeKey& top, size_t slot) {
  const uint16_t level = slot_level(slot);
  const size_t bits = slot + 1 - (size_t(1) << level);
  NodeKey k = top;
  k.depth = uint16_t(top.depth + level);
  set_bits_below(k, top.depth, level, bits);
  return k;
}

using Slots = std::array<const Node*, kPageMaxNodes>;

class PageWriter {
 public:
  PageWriter(const Slots& slots, uint64_t version, Bytes& out)
      : slots_(slots), version_(version), out_(out) {}

  // Writes the node of `slot` and the page's nodes under it, pre-order.
  bool node(size_t slot) {
    const Node* n = slots_[slot];
    if (!n) return false;
    ++written_;
    if (n->kind == ChildKind::leaf) {
      out_.push_back(uint8_t(ChildKind::leaf));
      out_.insert(out_.end(), n->key_hash.begin(), n->key_hash.end());
      put_varint(out_, n->value.size());
      out_.insert(out_.end(), n->value.begin(), n->value.end());
      return true;
    }
    if (n->kind != ChildKind::internal) return false;
    const ChildRef* kids[2] = {&n->left, &n->right};
    uint8_t head = uint8_t(ChildKind::internal);
    for (int c = 0; c < 2; ++c) head = uint8_t(head | (code(*kids[c], slot) << (2 + 2 * c)));
    out_.push_back(head);
    for (int c = 0; c < 2; ++c) {
      const ChildRef& r = *kids[c];
      if (r.kind == ChildKind::empty) continue;
      if (slot >= kLastLevelSlot) {  // a deeper page's node: its hash and version
        if (r.version > version_) return false;
        out_.insert(out_.end(), r.hash.begin(), r.hash.end());
        put_varint(out_, version_ - r.version);
        continue;
      }
      const size_t child = 2 * slot + 1 + size_t(c);
      if (r.version != version_ || !slots_[child] || slots_[child]->kind != r.kind || !node(child))
        return false;
    }
    return true;
  }
  size_t written() const { return written_; }

 private:
  static uint8_t code(const ChildRef& r, size_t slot) {
    if (r.kind == ChildKind::empty) return kNoChild;
    if (slot < kLastLevelSlot) return kInPage;
    return r.kind == ChildKind::leaf ? kOutLeaf : kOutInternal;
  }

  const Slots& slots_;
  uint64_t version_;
  Bytes& out_;
  size_t written_ = 0;
};

class PageReader {
 public:
  PageReader(const NodeKey& page, ByteView b) : page_(page), b_(b) {}

  // Reads the node of `slot` and those under it; `self` is the reference to
  // it (its hash recomputed).
  bool node(size_t slot, ChildRef& self) {
    if (at_ >= b_.size()) return false;
    const uint8_t head = b_[at_++];
    Node& n = nodes_[slot];
    present_[slot] = true;
    self = ChildRef{ChildKind::leaf, page_.version, {}};
    if (head == uint8_t(ChildKind::leaf)) {
      n.kind = ChildKind::leaf;
      uint64_t len = 0;
      if (b_.size() - at_ < 32) return false;
      std::memcpy(n.key_hash.data(), b_.data() + at_, 32);
      at_ += 32;
      if (!get_varint(b_, at_, len) || len > b_.size() - at_) return false;
      n.value.assign(b_.begin() + ptrdiff_t(at_), b_.begin() + ptrdiff_t(at_ + len));
      at_ += size_t(len);
      self.hash = leaf_hash(n.key_hash, n.value);
      return true;
    }
    if ((head & 3) != uint8_t(ChildKind::internal) || head >> 6 ||
        page_.depth + slot_level(slot) >= kKeyBits)
      return false;
    n.kind = ChildKind::internal;
    ChildRef* kids[2] = {&n.left, &n.right};
    for (int c = 0; c < 2; ++c) {
      const uint8_t code = uint8_t((head >> (2 + 2 * c)) & 3);
      *kids[c] = ChildRef{};
      if (code == kNoChild) continue;
      if ((code == kInPage) == (slot >= kLastLevelSlot)) return false;
      if (code == kInPage) {
        if (!node(2 * slot + 1 + size_t(c), *kids[c])) return false;
        continue;
      }
      uint64_t back = 0;
      if (b_.size() - at_ < 32) return false;
      kids[c]->kind = code == kOutLeaf ? ChildKind::leaf : ChildKind::internal;
      std::memcpy(kids[c]->hash.data(), b_.data() + at_, 32);
      at_ += 32;
      if (!get_varint(b_, at_, back) || back > page_.version) return false;
      kids[c]->version = page_.version - back;
    }
    self.kind = ChildKind::internal;
    self.hash = internal_hash(n.left.hash, n.right.hash);
    return true;
  }

  std::optional<PageNodes> take() {
    if (at_ != b_.size()) return std::nullopt;
    PageNodes out;
    out.reserve(kPageMaxNodes);
    for (size_t i = 0; i < kPageMaxNodes; ++i)
      if (present_[i]) out.emplace_back(key_of_slot(page_, i), std::move(nodes_[i]));
    return out;
  }

 private:
  const NodeKey& page_;
  ByteView b_;
  size_t at_ = 0;
  std::array<Node, kPageMaxNodes> nodes_{};
  std::array<bool, kPageMaxNodes> present_{};
};

}  // namespace

bool encode_page_into(const PageNodes& nodes, Bytes& out) {
  out.clear();
  if (nodes.empty() || nodes.front().first.depth % kPageLevels) return false;
  const NodeKey& top = nodes.front().first;
  Slots slots{};
  for (const auto& [k, n] : nodes) {
    const size_t slot = slot_of(top, k);
    if (slot == kPageMaxNodes || slots[slot]) return false;
    slots[slot] = &n;
  }
  PageWriter w(slots, top.version, out);
  if (w.node(0) && w.written() == nodes.size()) return true;
  out.clear();
  return false;
}

Bytes encode_page(const PageNodes& nodes) {
  Bytes out;
  encode_page_into(nodes, out);
  return out;
}

std::optional<PageNodes> decode_page(const NodeKey& page, ByteView b) {
  if (page.depth % kPageLevels || page_of(page) != page) return std::nullopt;
  PageReader r(page, b);
  ChildRef top;
  if (!r.node(0, top)) return std::nullopt;
  return r.take();
}

void pack_page_into(const PageNodes& nodes, Bytes& out) {
  out.clear();
  if (nodes.empty()) return;
  const uint16_t base = nodes.front().first.depth;
  for (const auto& [k, n] : nodes) {
    const uint16_t below = uint16_t(k.depth - base);
    out.push_back(uint8_t(below << 4 | bits_below(k, base)));
    const size_t len_at = out.size();
    out.resize(out.size() + 4);
    append_node(out, n);
    const size_t len = out.size() - len_at - 4;
    for (size_t i = 0; i < 4; ++i) out[len_at + i] = uint8_t(len >> (8 * i));
  }
}

Bytes pack_page(const PageNodes& nodes) {
  Bytes out;
  pack_page_into(nodes, out);
  return out;
}

std::optional<PageNodes> unpack_page(const NodeKey& page, ByteView b) {
  if (page.depth % kPageLevels || page_of(page) != page) return std::nullopt;
  PageNodes out;
  size_t at = 0;
  while (at < b.size()) {
    if (b.size() - at < 5 || out.size() == kPageMaxNodes) return std::nullopt;
    const uint16_t below = b[at] >> 4, bits = b[at] & 0x0f;
    const size_t len = get_u32_le(b.data() + at + 1);
    at += 5;
    if (below >= kPageLevels || bits >> below || page.depth + below > kKeyBits ||
        b.size() - at < len)
      return std::nullopt;
    NodeKey k = page;
    k.depth = uint16_t(page.depth + below);
    set_bits_below(k, page.depth, below, bits);
    std::optional<Node> n = decode_node(b.subspan(at, len));
    if (!n || (out.empty() ? k != page : !(out.back().first < k))) return std::nullopt;
    out.emplace_back(k, std::move(*n));
    at += len;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<Node> node_in_packed_page(const NodeKey& page, ByteView b, const NodeKey& k) {
  if (k.version != page.version || k.depth < page.depth || k.depth >= page.depth + kPageLevels ||
      page_of(k) != page)
    return std::nullopt;
  const uint8_t want = uint8_t((k.depth - page.depth) << 4 | bits_below(k, page.depth));
  for (size_t at = 0; b.size() - at >= 5;) {
    const size_t len = get_u32_le(b.data() + at + 1);
    if (b.size() - at - 5 < len) return std::nullopt;
    if (b[at] == want) return decode_node(b.subspan(at + 5, len));
    at += 5 + len;
  }
  return std::nullopt;
}

const Node* find_in_page(const PageNodes& nodes, const NodeKey& k) {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), k,
                             [](const auto& e, const NodeKey& key) { return e.first < key; });
  return it != nodes.end() && it->first == k ? &it->second : nullptr;
}

std::optional<PageNodes> NodeReader::get_page(const NodeKey& page) const {
  std::optional<Node> top = get(page);
  if (!top) return std::nullopt;
  PageNodes out;
  out.emplace_back(page, std::move(*top));
  // Breadth first from the page's own node: slot order, which is key order.
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].second.kind != ChildKind::internal) continue;
    const NodeKey k = out[i].first;
    if (k.depth + 1 >= page.depth + kPageLevels || k.depth + 1 > kKeyBits) continue;
    const ChildRef kids[2] = {out[i].second.left, out[i].second.right};
    for (int c = 0; c < 2; ++c) {
      if (kids[c].kind == ChildKind::empty || kids[c].version != page.version) continue;
      NodeKey child{page.version, uint16_t(k.depth + 1), k.path};
      if (c) set_bit(child.path, k.depth);
      std::optional<Node> n = get(child);
      if (n) out.emplace_back(child, std::move(*n));
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

namespace {

// apply_page_updates: the Updater's cases, a page at a time. A page being
// rewritten is built in slots (as the page codec numbers them) from the old
// page's nodes, read once; children at the page's last level lead to the
// pages below, rewritten in turn when updates reach them.
class PageUpdater : public TreeWriter {
 public:
  PageUpdater(const NodeReader& store, uint64_t version) : TreeWriter(store, version) {}

  ChildRef page(const ChildRef& cur, uint16_t depth, const Hash& path,
                std::span<const LeafUpdate> ups) {
    // One Build a page depth, reused: the recursion holds one page a depth
    // at a time, and a fresh one would construct 15 nodes each time.
    const size_t level = depth / kPageLevels;
    if (builds_.size() <= level) builds_.resize(level + 1);
    if (!builds_[level]) builds_[level] = std::make_unique<Build>();
    Build& b = *builds_[level];
    b.old.reset();
    b.old_slots.fill(nullptr);
    b.present.fill(false);
    b.top = {version_, depth, path};
    if (cur.kind != ChildKind::empty) {
      b.old_key = {cur.version, depth, path};
      b.old = store_.get_page(b.old_key);
      if (!b.old) return fail(missing_node(depth, cur.version));
      for (const auto& [k, n] : *b.old) {
        const size_t slot = slot_of(b.old_key, k);
        if (slot == kPageMaxNodes)
          return fail("state page corrupt at depth " + std::to_string(depth));
        b.old_slots[slot] = &n;
      }
      stale_.push_back(b.old_key);
    }
    const ChildRef r = at(b, 0, cur, depth, path, ups);
    if (failed_) return r;
    PageNodes nodes;
    nodes.reserve(size_t(std::count(b.present.begin(), b.present.end(), true)));
    for (size_t slot = 0; slot < kPageMaxNodes; ++slot)
      if (b.present[slot]) nodes.emplace_back(key_of_slot(b.top, slot), std::move(b.nodes[slot]));
    // Depth first, so the pages of one depth are finished in path order.
    if (levels_.size() <= level) levels_.resize(level + 1);
    levels_[level].emplace_back(b.top, std::move(nodes));
    return r;
  }

  std::optional<PageUpdate> take(ChildRef root, std::string* error) {
    if (failed_) {
      if (error) *error = error_;
      return std::nullopt;
    }
    PageUpdate u;
    u.root = root;
    size_t n = 0;
    for (const PageList& l : levels_) n += l.size();
    u.pages.reserve(n);
    for (PageList& l : levels_)
      for (auto& p : l) u.pages.push_back(std::move(p));
    std::sort(stale_.begin(), stale_.end());
    u.stale = std::move(stale_);
    return u;
  }

 private:
  struct Build {
    NodeKey top, old_key;
    std::optional<PageNodes> old;
    std::array<const Node*, kPageMaxNodes> old_slots{};
    std::array<Node, kPageMaxNodes> nodes{};
    std::array<bool, kPageMaxNodes> present{};
  };

  // The subtree at `slot` of the page being built (or, past its last level,
  // the page below), as Updater::update.
  ChildRef at(Build& b, size_t slot, const ChildRef& cur, uint16_t depth, const Hash& path,
              std::span<const LeafUpdate> ups) {
    if (failed_) return cur;
    if (slot >= kPageMaxNodes) return ups.empty() ? cur : page(cur, depth, path, ups);
    if (ups.empty()) return carry(b, slot, cur, depth, path);
    switch (cur.kind) {
      case ChildKind::empty:
        if (ups.size() == 1) return leaf(b, slot, ups[0]);
        return split(b, slot, {}, {}, depth, path, ups);
      case ChildKind::leaf: {
        const Node* old = old_node(b, slot, cur, depth);
        if (!old) return cur;
        std::optional<std::vector<LeafUpdate>> merged = beside_old_leaf(ups, *old);
        if (merged) return split(b, slot, {}, {}, depth, path, *merged);
        if (ups.size() == 1) return leaf(b, slot, ups[0]);
        return split(b, slot, {}, {}, depth, path, ups);
      }
      case ChildKind::internal: {
        const Node* old = old_node(b, slot, cur, depth);
        if (!old) return cur;
        return split(b, slot, old->left, old->right, depth, path, ups);
      }
    }
    return cur;
  }

  ChildRef split(Build& b, size_t slot, const ChildRef& left, const ChildRef& right, uint16_t depth,
                 const Hash& path, std::span<const LeafUpdate> ups) {
    if (depth >= kKeyBits) return fail("two updates of one key");
    auto mid = std::partition_point(ups.begin(), ups.end(), [depth](const LeafUpdate& u) {
      return !key_bit(u.key_hash, depth);
    });
    Hash right_path = path;
    set_bit(right_path, depth);
    Node& n = place(b, slot);
    n.kind = ChildKind::internal;
    n.left = at(b, 2 * slot + 1, left, uint16_t(depth + 1), path, {ups.begin(), mid});
    n.right = at(b, 2 * slot + 2, right, uint16_t(depth + 1), right_path, {mid, ups.end()});
    return {ChildKind::internal, version_, internal_hash(n.left.hash, n.right.hash)};
  }

  ChildRef leaf(Build& b, size_t slot, const LeafUpdate& u) {
    Node& n = place(b, slot);
    n.kind = ChildKind::leaf;
    n.key_hash = u.key_hash;
    n.value = u.value;
    return {ChildKind::leaf, version_, leaf_hash(u.key_hash, u.value)};
  }

  // An untouched node of a rewritten page moves to this version unchanged.
  ChildRef carry(Build& b, size_t slot, const ChildRef& cur, uint16_t depth, const Hash& path) {
    if (cur.kind == ChildKind::empty) return cur;
    const Node* old = old_node(b, slot, cur, depth);
    if (!old) return cur;
    Node& n = place(b, slot);
    n = *old;
    if (n.kind == ChildKind::internal && 2 * slot + 1 < kPageMaxNodes) {
      if (depth >= kKeyBits) return fail("internal node below the last key bit");
      Hash right_path = path;
      set_bit(right_path, depth);
      n.left = carry(b, 2 * slot + 1, n.left, uint16_t(depth + 1), path);
      n.right = carry(b, 2 * slot + 2, n.right, uint16_t(depth + 1), right_path);
    }
    return {cur.kind, version_, cur.hash};
  }

  // The old page's node at `slot`, which `cur` names; a node another
  // version names, or missing, or of another kind, fails the update.
  const Node* old_node(const Build& b, size_t slot, const ChildRef& cur, uint16_t depth) {
    const Node* n = b.old ? b.old_slots[slot] : nullptr;
    if (!n || n->kind != cur.kind || cur.version != b.old_key.version) {
      fail(missing_node(depth, cur.version));
      return nullptr;
    }
    return n;
  }

  // A slot of a reused Build: cleared of the page built there before.
  Node& place(Build& b, size_t slot) {
    b.present[slot] = true;
    Node& n = b.nodes[slot];
    n.left = n.right = {};
    n.key_hash = {};
    n.value.clear();
    return n;
  }

  std::vector<PageList> levels_;  // new pages by depth / kPageLevels
  std::vector<std::unique_ptr<Build>> builds_;
  std::vector<NodeKey> stale_;
};

bool sorted_and_distinct(std::span<const LeafUpdate> updates, std::string* error) {
  for (size_t i = 1; i < updates.size(); ++i)
    if (!(updates[i - 1].key_hash < updates[i].key_hash)) {
      if (error) *error = "updates not sorted and distinct";
      return false;
    }
  return true;
}

}  // namespace

std::optional<PageUpdate> apply_page_updates(const NodeReader& store, const ChildRef& root,
                                             uint64_t version, std::span<const LeafUpdate> updates,
                                             std::string* error) {
  if (!sorted_and_distinct(updates, error)) return std::nullopt;
  PageUpdater u(store, version);
  const ChildRef r = updates.empty() ? root : u.page(root, 0, Hash{}, updates);
  return u.take(r, error);
}

namespace {
bool by_key(const std::pair<NodeKey, Node>& a, const std::pair<NodeKey, Node>& b) {
  return a.first < b.first;
}

}  // namespace

PageList group_pages(std::vector<std::pair<NodeKey, Node>> writes) {
  std::map<NodeKey, PageNodes> pages;
  for (auto& w : writes) pages[page_of(w.first)].push_back(std::move(w));
  PageList out;
  for (auto& [pk, nodes] : pages) {
    std::sort(nodes.begin(), nodes.end(), by_key);
    out.emplace_back(pk, std::move(nodes));
  }
  return out;
}

const PageNodes* find_page(const PageList& pages, const NodeKey& page) {
  auto it = std::lower_bound(pages.begin(), pages.end(), page,
                             [](const auto& e, const NodeKey& k) { return e.first < k; });
  return it != pages.end() && it->first == page ? &it->second : nullptr;
}

std::vector<NodeKey> stale_pages(std::span<const NodeKey> stale) {
  std::vector<NodeKey> out;
  out.reserve(stale.size() / 4);
  for (const NodeKey& k : stale)
    if (k.depth % kPageLevels == 0) out.push_back(k);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Hash leaf_hash(const Hash& key_hash, ByteView value) {
  return leaf_hash_of(key_hash, crypto::sha256(value));
}

Hash internal_hash(const Hash& left, const Hash& right) {
  return hash_pair(0x01, left, right);
}

std::optional<TreeUpdate> apply_updates(const NodeReader& store, const ChildRef& root,
                                        uint64_t version, std::span<const LeafUpdate> updates,
                                        std::string* error) {
  if (!sorted_and_distinct(updates, error)) return std::nullopt;
  Updater u(store, version, updates.size());
  ChildRef r = u.update(root, 0, Hash{}, updates);
  if (u.failed()) {
    if (error) *error = u.error();
    return std::nullopt;
  }
  return u.take(r);
}

std::optional<Bytes> lookup(const NodeReader& store, const ChildRef& root, const Hash& key_hash,
                            std::string* error) {
  bool ok = true;
  std::optional<Node> leaf = walk(store, root, key_hash, error, ok, [](uint16_t, const Hash&) {});
  if (!leaf || leaf->key_hash != key_hash) return std::nullopt;
  return std::move(leaf->value);
}

std::optional<Proof> prove(const NodeReader& store, const ChildRef& root, const Hash& key_hash,
                           std::string* error) {
  Proof p;
  bool ok = true;
  std::optional<Node> leaf = walk(store, root, key_hash, error, ok,
                                  [&](uint16_t, const Hash& h) { p.siblings.push_back(h); });
  if (!ok) return std::nullopt;
  if (leaf) {
    p.leaf_key = leaf->key_hash;
    p.leaf_value = crypto::sha256(leaf->value);
  }
  return p;
}

bool verify_proof(const Hash& root, const Hash& key_hash, const std::optional<Bytes>& value,
                  const Proof& proof) {
  const size_t depth = proof.siblings.size();
  if (depth > kKeyBits || proof.leaf_key.has_value() != proof.leaf_value.has_value()) return false;
  Hash cur{};
  if (value) {
    if (!proof.leaf_key || *proof.leaf_key != key_hash ||
        *proof.leaf_value != crypto::sha256(*value))
      return false;
    cur = leaf_hash_of(key_hash, *proof.leaf_value);
  } else if (proof.leaf_key) {
    // Another key's leaf where this key's path ends: the key is absent.
    if (*proof.leaf_key == key_hash || !same_prefix(*proof.leaf_key, key_hash, uint16_t(depth)))
      return false;
    cur = leaf_hash_of(*proof.leaf_key, *proof.leaf_value);
  }
  for (size_t i = depth; i-- > 0;) {
    const Hash& sib = proof.siblings[i];
    cur = key_bit(key_hash, uint16_t(i)) ? internal_hash(sib, cur) : internal_hash(cur, sib);
  }
  return cur == root;
}

Bytes encode_proof(const Proof& p) {
  const size_t depth = p.siblings.size();
  Bytes out{1, uint8_t(p.leaf_key ? 1 : 0), uint8_t(depth), uint8_t(depth >> 8)};
  size_t map_at = out.size();
  out.resize(out.size() + (depth + 7) / 8);
  for (size_t i = 0; i < depth; ++i) {
    if (is_zero(p.siblings[i])) continue;
    out[map_at + i / 8] = uint8_t(out[map_at + i / 8] | (1u << (i % 8)));
    out.insert(out.end(), p.siblings[i].begin(), p.siblings[i].end());
  }
  if (p.leaf_key) {
    out.insert(out.end(), p.leaf_key->begin(), p.leaf_key->end());
    out.insert(out.end(), p.leaf_value->begin(), p.leaf_value->end());
  }
  return out;
}

std::optional<Proof> decode_proof(ByteView b) {
  if (b.size() < 4 || b[0] != 1 || b[1] > 1) return std::nullopt;
  const size_t depth = size_t(b[2]) | size_t(b[3]) << 8;
  if (depth > kKeyBits) return std::nullopt;
  const size_t map_len = (depth + 7) / 8;
  if (b.size() < 4 + map_len) return std::nullopt;
  ByteView map = b.subspan(4, map_len);
  if (depth % 8 && map[map_len - 1] >> (depth % 8)) return std::nullopt;  // bits past depth
  size_t at = 4 + map_len;
  Proof p;
  p.siblings.resize(depth);
  for (size_t i = 0; i < depth; ++i) {
    if (!((map[i / 8] >> (i % 8)) & 1)) continue;
    if (b.size() < at + 32) return std::nullopt;
    std::memcpy(p.siblings[i].data(), b.data() + at, 32);
    if (is_zero(p.siblings[i])) return std::nullopt;  // must have been left out
    at += 32;
  }
  if (b[1] & 1) {
    if (b.size() < at + 64) return std::nullopt;
    Hash k, v;
    std::memcpy(k.data(), b.data() + at, 32);
    std::memcpy(v.data(), b.data() + at + 32, 32);
    p.leaf_key = k;
    p.leaf_value = v;
    at += 64;
  }
  if (at != b.size()) return std::nullopt;
  return p;
}

}  // namespace vigil::state
