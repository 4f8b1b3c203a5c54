// A versioned sparse Merkle tree over 256-bit keys (SHA-256 of an account
// key), as Diem's sparse Merkle tree / Aptos's Jellyfish tree in binary form:
//
//   empty subtree   32 zero bytes
//   leaf            SHA-256(0x00 || key_hash || SHA-256(value))
//   internal        SHA-256(0x01 || left || right)
//
// A subtree holding one leaf is that leaf (empty subtrees collapse), so a
// leaf sits at the shallowest depth where it is alone and n keys give a depth
// near log2(n). Nodes are immutable and named by NodeKey (the version, i.e.
// block height, that wrote them, and their position); an update of k keys at
// version v writes O(k log n) new nodes and lists the nodes it replaced as
// stale since v, so a store may delete them once v falls out of its
// retention window while every retained version keeps proving.
//
// Storage pages: a store keeps the tree kPageLevels levels to a record (a
// "page": the node at a depth multiple of kPageLevels and its descendants
// above the next such depth, as Jellyfish keeps 16-ary nodes), so an update
// puts and prunes a quarter of the records it would node by node. For that
// an update rewrites whole pages: a node it replaces takes its untouched
// page-mates along to the new version (same hashes), so every node of a page
// carries the page's version and a replaced page is stale as a whole. A page
// record stores, as Jellyfish's node stores its children's hashes and
// versions, only the hashes and versions of the subtrees below the page and
// its leaves (encode_page); the hashes inside it are recomputed when it is
// read. The hashes, hence roots and proofs, do not depend on it.
//
// Promise: deterministic (ordered input, no floating point, no clock); the
// same updates on the same tree give the same nodes and root on any machine.
// Keys are never removed (accounts are not deleted).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace vigil::state {

using Hash = std::array<uint8_t, 32>;
using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline constexpr uint16_t kKeyBits = 256;

// Where a node lives: the version that wrote it, its depth (0 = root), and the
// first `depth` bits of the path (the rest zero).
struct NodeKey {
  uint64_t version = 0;
  uint16_t depth = 0;
  Hash path{};
  auto operator<=>(const NodeKey&) const = default;
};

// Store key: version (8, big-endian), depth (2, big-endian), ceil(depth/8)
// path bytes; so keys sort by version, then position.
Bytes encode_node_key(const NodeKey& k);
std::optional<NodeKey> decode_node_key(ByteView b);

enum class ChildKind : uint8_t { empty = 0, internal = 1, leaf = 2 };

// A reference from a parent (or the version's root record) to a node.
struct ChildRef {
  ChildKind kind = ChildKind::empty;
  uint64_t version = 0;  // the node's NodeKey.version
  Hash hash{};           // zero when empty
  bool operator==(const ChildRef&) const = default;
};

struct Node {
  ChildKind kind = ChildKind::leaf;  // internal or leaf
  ChildRef left, right;              // internal
  Hash key_hash{};                   // leaf
  Bytes value;                       // leaf
  bool operator==(const Node&) const = default;
};

inline constexpr uint16_t kPageLevels = 4;
inline constexpr size_t kPageMaxNodes = (1u << kPageLevels) - 1;  // 15

// The page a node is stored in: same version, depth rounded down to a
// multiple of kPageLevels, path cut to that depth.
NodeKey page_of(const NodeKey& k);

// A page's nodes, in NodeKey order (the page's own node first).
using PageNodes = std::vector<std::pair<NodeKey, Node>>;

// Page record (format vigil-ledger/3): the page's nodes in pre-order from
// its own node, each
//   leaf      0x02, key_hash (32), value length (LEB128), value
//   internal  0x01 | left code << 2 | right code << 4, then per child
// with child codes 0 empty, 1 the child is the next node of the record
// (depths above the page's last level), 2 internal / 3 leaf in a deeper
// page (from the page's last level): that child's hash (32) and its version
// as LEB128 of (page version - its version). A node's version is the page's
// and the hashes of nodes inside the page are not stored: decode_page
// recomputes them (at most 15 SHA-256 of 65 bytes and the leaves'), which
// halves the bytes of the upper pages against the node-by-node layout of /2.
// decode_page accepts exactly what encode_page writes (minimal LEB128, no
// unused bits, every node reached from the page's own node, nothing after)
// and nothing else (fuzzed). encode_page fails (false, or an empty record)
// on nodes that are not one page as apply_updates writes them: a node
// outside the page, a child of the page's version missing or of another
// kind, or an in-page child of another version.
bool encode_page_into(const PageNodes& nodes, Bytes& out);  // into a reused buffer
Bytes encode_page(const PageNodes& nodes);
std::optional<PageNodes> decode_page(const NodeKey& page, ByteView b);

// The packed form a page cache keeps in memory (one allocation a page, no
// hashing to read a node): per node, one byte (depth below the page << 4 |
// the path bits below the page), its encoded length (u32 LE), encode_node.
// unpack_page accepts exactly that, nodes in strictly ascending order
// starting with the page's own node, and nothing else.
void pack_page_into(const PageNodes& nodes, Bytes& out);
Bytes pack_page(const PageNodes& nodes);
std::optional<PageNodes> unpack_page(const NodeKey& page, ByteView b);
// The node `k` read straight from a packed page that unpack_page accepts
// (or pack_page wrote), or nullopt.
std::optional<Node> node_in_packed_page(const NodeKey& page, ByteView b, const NodeKey& k);
// The node `k` of a decoded page, or nullptr.
const Node* find_in_page(const PageNodes& nodes, const NodeKey& k);
// Pages by key, ascending.
using PageList = std::vector<std::pair<NodeKey, PageNodes>>;
// apply_updates's new nodes by page (each page's nodes in order).
PageList group_pages(std::vector<std::pair<NodeKey, Node>> writes);
const PageNodes* find_page(const PageList& pages, const NodeKey& page);
// The pages an update's stale nodes empty, sorted: as apply_updates lists
// them a replaced page's top node is always among them.
std::vector<NodeKey> stale_pages(std::span<const NodeKey> stale);

Bytes encode_node(const Node& n);
std::optional<Node> decode_node(ByteView b);
Bytes encode_ref(const ChildRef& r);
std::optional<ChildRef> decode_ref(ByteView b);

Hash leaf_hash(const Hash& key_hash, ByteView value);
Hash internal_hash(const Hash& left, const Hash& right);
// Bit `i` of a key, most significant first.
inline bool key_bit(const Hash& k, uint16_t i) {
  return (k[i / 8] >> (7 - i % 8)) & 1;
}

class NodeReader {
 public:
  virtual ~NodeReader() = default;
  virtual std::optional<Node> get(const NodeKey& k) const = 0;
  // The nodes of the page whose own node is `page` (a page key), in NodeKey
  // order, or nullopt when that node is missing. The default gathers them
  // with get(), from the page's own node down its children of the page's
  // version; a store that keeps pages whole answers with one lookup.
  virtual std::optional<PageNodes> get_page(const NodeKey& page) const;
};

struct LeafUpdate {
  Hash key_hash{};
  Bytes value;
};

struct TreeUpdate {
  ChildRef root;
  std::vector<std::pair<NodeKey, Node>> writes;  // new nodes, written at `version`
  std::vector<NodeKey> stale;                    // nodes replaced at `version`
};

// Applies `updates` (sorted by key_hash, distinct) to the tree of `root` as
// version `version` (above every version in the tree). Fails (nullopt) only
// when a node the root names is missing or corrupt; `error` says which.
std::optional<TreeUpdate> apply_updates(const NodeReader& store, const ChildRef& root,
                                        uint64_t version, std::span<const LeafUpdate> updates,
                                        std::string* error = nullptr);

// The same update as apply_updates (the same root, nodes and stale nodes),
// made a page at a time: each page it rewrites is read once (get_page) and
// written whole, and the outcome comes by page, as a store keeps it: the
// new pages in key order and the pages they replace (their own nodes'
// keys), sorted. apply_updates, node by node, is its reference (tested
// equal); the ledger commits with this one.
struct PageUpdate {
  ChildRef root;
  PageList pages;
  std::vector<NodeKey> stale;
};
std::optional<PageUpdate> apply_page_updates(const NodeReader& store, const ChildRef& root,
                                             uint64_t version, std::span<const LeafUpdate> updates,
                                             std::string* error = nullptr);

// Looks up one key: its value, or nullopt when absent. Sets *error and
// returns nullopt when a node is missing.
std::optional<Bytes> lookup(const NodeReader& store, const ChildRef& root, const Hash& key_hash,
                            std::string* error = nullptr);

// A proof for one key against a root. siblings[i] is the sibling hash at
// depth i on the key's path, from the root down. The path ends at an empty
// subtree (absent), at the key's leaf (present), or at another key's leaf
// (absent; that leaf shares the first siblings.size() bits with the key).
struct Proof {
  std::vector<Hash> siblings;
  std::optional<Hash> leaf_key;    // the leaf the path ends at, if any
  std::optional<Hash> leaf_value;  // its value hash
};

std::optional<Proof> prove(const NodeReader& store, const ChildRef& root, const Hash& key_hash,
                           std::string* error = nullptr);

// True when `proof` shows, against `root`, that `key_hash` maps to `value`
// (or, with no value, that it is absent).
bool verify_proof(const Hash& root, const Hash& key_hash, const std::optional<Bytes>& value,
                  const Proof& proof);

// Bounded, canonical codec: version byte 1, flags (bit 0 leaf), u16 depth,
// a bitmap of non-empty siblings (ceil(depth/8) bytes), those siblings, then
// the leaf key and value hash when flagged. decode_proof accepts exactly that
// and nothing else (fuzzed).
Bytes encode_proof(const Proof& p);
std::optional<Proof> decode_proof(ByteView b);

}  // namespace vigil::state
