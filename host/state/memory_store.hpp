// An in-memory node store with the same retention rule as the ledger's
// RocksDB one: nodes stale since version s are deleted once a version
// v >= s + keep is committed. `vigil audit` re-derives the whole tree in one
// and compares it with the store, node for node; tests use it as a store.
#pragma once

#include <map>

#include "host/state/smt.hpp"

namespace vigil::state {

class MemoryNodeStore final : public NodeReader {
 public:
  std::optional<Node> get(const NodeKey& k) const override {
    auto it = nodes_.find(k);
    if (it == nodes_.end()) return std::nullopt;
    return it->second;
  }

  // Writes the update's nodes as `version`, records what it made stale and
  // deletes what fell out of the last `keep` versions (keep 0: keep all).
  void commit(uint64_t version, const TreeUpdate& u, uint64_t keep) {
    for (const auto& [k, n] : u.writes) nodes_[k] = n;
    auto& list = stale_[version];
    list.insert(list.end(), u.stale.begin(), u.stale.end());
    roots_[version] = u.root;
    if (keep == 0 || version < keep) return;
    auto end = stale_.upper_bound(version - keep);
    for (auto it = stale_.begin(); it != end; ++it)
      for (const NodeKey& k : it->second) nodes_.erase(k);
    stale_.erase(stale_.begin(), end);
  }

  const std::map<NodeKey, Node>& nodes() const { return nodes_; }
  const std::map<uint64_t, std::vector<NodeKey>>& stale() const { return stale_; }
  const std::map<uint64_t, ChildRef>& roots() const { return roots_; }

 private:
  std::map<NodeKey, Node> nodes_;
  std::map<uint64_t, std::vector<NodeKey>> stale_;
  std::map<uint64_t, ChildRef> roots_;
};

}  // namespace vigil::state
