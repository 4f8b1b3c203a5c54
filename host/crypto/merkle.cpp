// RFC 6962 Merkle trees, level by level on batched SHA-256 (merkle.hpp).
#include "host/crypto/merkle.hpp"

#include <algorithm>
#include <array>
#include <cassert>

#include "host/crypto/sha2_paths.hpp"

namespace vigil::crypto {
namespace {

constexpr uint8_t kLeafPrefix[1] = {0x00};
constexpr uint8_t kNodePrefix[1] = {0x01};

static_assert(sizeof(Hash256) == 32, "two adjacent nodes are 64 contiguous bytes");

// Items per sha256_many call: a multiple of every lane count, small enough
// for the stack.
constexpr size_t kChunk = 128;

}  // namespace

Hash256 merkle_leaf_hash(Bytes data) {
  Sha256 h;
  h.update(kLeafPrefix);
  h.update(data);
  return h.finish();
}

Hash256 merkle_node_hash(const Hash256& left, const Hash256& right) {
  Sha256 h;
  h.update(kNodePrefix);
  h.update(left);
  h.update(right);
  return h.finish();
}

void merkle_leaf_hashes(std::span<const Bytes> leaves, std::span<Hash256> out) {
  assert(out.size() >= leaves.size());
  std::array<Bytes, 2 * kChunk> parts;
  for (size_t at = 0; at < leaves.size(); at += kChunk) {
    size_t m = std::min(kChunk, leaves.size() - at);
    for (size_t i = 0; i < m; ++i) {
      parts[2 * i] = kLeafPrefix;
      parts[2 * i + 1] = leaves[at + i];
    }
    sha2::sha256_many(parts.data(), 2, m, out[at].data());
  }
}

size_t merkle_level(std::span<const Hash256> level, std::span<Hash256> out) {
  const size_t pairs = level.size() / 2;
  const size_t up = (level.size() + 1) / 2;
  assert(out.size() >= up);
  std::array<Bytes, 2 * kChunk> parts;
  std::array<Hash256, kChunk> tmp;
  // Chunk c reads level[2c, 2c + 2m) and then writes out[c, c + m): in place,
  // that overwrites only nodes whose pairs are already done.
  for (size_t at = 0; at < pairs; at += kChunk) {
    size_t m = std::min(kChunk, pairs - at);
    for (size_t i = 0; i < m; ++i) {
      parts[2 * i] = kNodePrefix;
      parts[2 * i + 1] = Bytes(level[2 * (at + i)].data(), 64);  // two adjacent nodes
    }
    sha2::sha256_many(parts.data(), 2, m, tmp[0].data());
    std::copy_n(tmp.begin(), m, out.begin() + static_cast<ptrdiff_t>(at));
  }
  if (level.size() % 2 == 1) out[pairs] = level.back();
  return up;
}

Hash256 merkle_reduce(std::span<Hash256> nodes) {
  if (nodes.empty()) return sha256({});
  size_t n = nodes.size();
  while (n > 1) n = merkle_level(nodes.first(n), nodes);
  return nodes[0];
}

Hash256 merkle_root(std::span<const Bytes> leaves, std::span<Hash256> scratch) {
  assert(scratch.size() >= leaves.size());
  merkle_leaf_hashes(leaves, scratch);
  return merkle_reduce(scratch.first(leaves.size()));
}

Hash256 merkle_root(std::span<const Bytes> leaves) {
  std::vector<Hash256> scratch(leaves.size());
  return merkle_root(leaves, scratch);
}

std::vector<Hash256> merkle_inclusion_proof(std::span<const Hash256> leaf_hashes, size_t index) {
  std::vector<Hash256> proof;
  if (index >= leaf_hashes.size()) return proof;
  std::vector<Hash256> level(leaf_hashes.begin(), leaf_hashes.end());
  size_t n = level.size();
  while (n > 1) {
    size_t sibling = index ^ 1;
    if (sibling < n) proof.push_back(level[sibling]);  // else: promoted, no hash
    n = merkle_level(std::span<const Hash256>(level).first(n), level);
    index /= 2;
  }
  return proof;
}

bool merkle_verify_inclusion(const Hash256& root, uint64_t index, uint64_t tree_size,
                             const Hash256& leaf_hash, std::span<const Hash256> proof) {
  if (index >= tree_size) return false;
  uint64_t fn = index, sn = tree_size - 1;
  Hash256 r = leaf_hash;
  for (const Hash256& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) == 1 || fn == sn) {
      r = merkle_node_hash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = merkle_node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

}  // namespace vigil::crypto
