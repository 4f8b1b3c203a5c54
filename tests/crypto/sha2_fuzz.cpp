// Fuzz target: batches of fuzzer-chosen messages (lengths, three-part
// splits) on every batch path the CPU supports must equal the portable
// single-message hash; a Merkle inclusion proof made of fuzzer bytes must
// verify only when it is the real proof.
#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "host/crypto/merkle.hpp"
#include "host/crypto/sha2.hpp"
#include "host/crypto/sha2_paths.hpp"

namespace {

using vigil::crypto::Bytes;
using vigil::crypto::Hash256;
using vigil::crypto::Hash512;
namespace sha2 = vigil::crypto::sha2;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // Header: message count, then one length byte (scaled) per message; the
  // rest is the text that the messages are cut from (they may overlap).
  const size_t count = 1 + data[0] % 24;
  if (size < 1 + count) return 0;
  const Bytes text(data + 1 + count, size - 1 - count);
  std::vector<Bytes> msgs;
  std::vector<std::array<Bytes, 3>> parts;
  for (size_t i = 0; i < count; ++i) {
    const size_t len = text.empty() ? 0 : (data[1 + i] * 7u) % (text.size() + 1);
    const size_t start = text.empty() ? 0 : (i * 13) % (text.size() - len + 1);
    const Bytes m = text.subspan(start, len);
    msgs.push_back(m);
    const size_t a = len == 0 ? 0 : data[1 + i] % (len + 1), b = a + (len - a) / 2;
    parts.push_back({m.first(a), m.subspan(a, b - a), m.subspan(b)});
  }

  const sha2::Paths saved = sha2::current_paths();
  check(sha2::force_paths({sha2::Path::portable, sha2::Path::portable, sha2::Path::portable}));
  std::vector<Hash256> want256;
  std::vector<Hash512> want512;
  for (Bytes m : msgs) {
    want256.push_back(vigil::crypto::sha256(m));
    want512.push_back(vigil::crypto::sha512(m));
  }
  for (sha2::Path p : {sha2::Path::portable, sha2::Path::avx2, sha2::Path::avx512}) {
    if (!sha2::cpu_supports(p)) continue;
    check(sha2::force_paths({saved.single256, p, p}));
    std::vector<Hash256> h256(count), h256p(count);
    std::vector<Hash512> h512(count), h512p(count);
    vigil::crypto::sha256_batch(msgs, h256);
    vigil::crypto::sha512_batch(msgs, h512);
    vigil::crypto::sha256_batch3(parts, h256p);
    vigil::crypto::sha512_batch3(parts, h512p);
    check(h256 == want256 && h256p == want256 && h512 == want512 && h512p == want512);
  }
  sha2::force_paths(saved);

  // Merkle: the messages are the leaves.
  std::vector<Hash256> leaves(count);
  vigil::crypto::merkle_leaf_hashes(msgs, leaves);
  const Hash256 root = vigil::crypto::merkle_root(msgs);
  const size_t index = data[1] % count;
  const auto proof = vigil::crypto::merkle_inclusion_proof(leaves, index);
  check(vigil::crypto::merkle_verify_inclusion(root, index, count, leaves[index], proof));
  std::vector<Hash256> forged(text.size() / 32);
  for (size_t i = 0; i < forged.size(); ++i) {
    std::copy_n(text.data() + 32 * i, 32, forged[i].begin());
  }
  if (vigil::crypto::merkle_verify_inclusion(root, index, count, leaves[index], forged)) {
    check(forged == proof);
  }
  return 0;
}
