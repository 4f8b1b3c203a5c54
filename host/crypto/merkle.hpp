// Merkle trees over SHA-256, consensus-critical: block headers commit to
// their transactions with merkle_root, and `vigil audit` re-derives it.
//
// The tree is exactly RFC 6962 section 2.1 (Certificate Transparency; the
// same in RFC 9162 section 2.1), for a list D[n] of n byte strings:
//   MTH({})   = SHA-256()                                   (empty input)
//   MTH({d})  = SHA-256(0x00 || d)                          (leaf hash)
//   MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  for n > 1,
//               where k is the largest power of two smaller than n.
// The 0x00/0x01 prefixes keep a leaf from passing for an inner node (second
// preimages). A node is never paired with itself: unlike Bitcoin's tree
// (CVE-2012-2459), lists that differ only by a repeated tail give different
// roots.
//
// Computed level by level, the same tree: pair neighbours left to right; a
// last node without a partner moves up unchanged (merkle_level). Each level
// goes through sha256_many, so its 65-byte node inputs run side by side in
// the SIMD lanes where the CPU has them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "host/crypto/sha2.hpp"

namespace vigil::crypto {

// SHA-256(0x00 || data) and SHA-256(0x01 || left || right).
Hash256 merkle_leaf_hash(Bytes data);
Hash256 merkle_node_hash(const Hash256& left, const Hash256& right);

// out[i] = merkle_leaf_hash(leaves[i]), batched; out.size() >= leaves.size().
void merkle_leaf_hashes(std::span<const Bytes> leaves, std::span<Hash256> out);

// One level up: out[i] = merkle_node_hash(level[2i], level[2i+1]); an odd
// last node is copied up. Writes and returns (level.size() + 1) / 2 nodes;
// out.size() must be at least that. out may be level itself (in place).
size_t merkle_level(std::span<const Hash256> level, std::span<Hash256> out);

// The root over nodes that are already leaf hashes; overwrites `nodes`.
// Empty `nodes` gives SHA-256("").
Hash256 merkle_reduce(std::span<Hash256> nodes);

// MTH(leaves). `scratch` (size >= leaves.size()) keeps the call free of
// allocation; the overload without it allocates.
Hash256 merkle_root(std::span<const Bytes> leaves, std::span<Hash256> scratch);
Hash256 merkle_root(std::span<const Bytes> leaves);

// RFC 6962 2.1.1 PATH(index, D[n]) given the n leaf hashes: the sibling
// hashes from the leaf up, omitting levels where the node has no sibling.
// Empty when index >= leaf_hashes.size().
std::vector<Hash256> merkle_inclusion_proof(std::span<const Hash256> leaf_hashes, size_t index);

// RFC 9162 2.1.3.2: true when `proof` shows that the leaf with hash
// `leaf_hash` sits at `index` of a tree of `tree_size` leaves with `root`.
bool merkle_verify_inclusion(const Hash256& root, uint64_t index, uint64_t tree_size,
                             const Hash256& leaf_hash, std::span<const Hash256> proof);

}  // namespace vigil::crypto
