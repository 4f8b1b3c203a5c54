// Shared by the ledger suites: a temporary directory, a small synthetic
// chain, and raw RocksDB access (what an attacker with the files can do).
#pragma once

#include <rocksdb/db.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "host/ledger/workload.hpp"

namespace vigil::ledger::test {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char tmpl[] = "/tmp/vigil-ledger-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string sub(const std::string& name) const { return (path / name).string(); }
};

inline WorkloadConfig small_config() {
  WorkloadConfig c;
  c.validators = 4;
  c.senders = 8;
  c.recipients = 40;
  return c;
}

// Opens (creating) a ledger with genesis; commits `blocks` blocks of `txs`.
inline std::unique_ptr<Ledger> make_chain(const std::string& dir, uint64_t blocks, uint32_t txs,
                                          uint64_t keep = 2) {
  LedgerOptions o;
  o.prune_keep = keep;
  std::string err;
  auto l = Ledger::open(dir, o, &err);
  if (!l) return nullptr;
  Workload w(small_config());
  if (!l->init_genesis(w.genesis()).empty()) return nullptr;
  w.load_nonces(*l);
  for (uint64_t i = 0; i < blocks; ++i) {
    auto [b, qc] = w.next_block(*l, w.transfers(l->height() + 1, txs));
    if (!l->commit(b, qc).ok()) return nullptr;
  }
  return l;
}

// The raw database with all its column families.
struct RawDb {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  std::vector<std::string> names;
  explicit RawDb(const std::string& dir) {
    rocksdb::Options o;
    rocksdb::DB::ListColumnFamilies(o, dir, &names);
    std::vector<rocksdb::ColumnFamilyDescriptor> d;
    for (auto& n : names) d.emplace_back(n, rocksdb::ColumnFamilyOptions());
    rocksdb::DB* raw = nullptr;
    rocksdb::DB::Open(o, dir, d, &handles, &raw);
    db.reset(raw);
  }
  ~RawDb() {
    for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
    db->Close();
  }
  rocksdb::ColumnFamilyHandle* cf(const std::string& n) {
    for (size_t i = 0; i < names.size(); ++i)
      if (names[i] == n) return handles[i];
    return nullptr;
  }
  std::string get(const std::string& cfn, const std::string& k) {
    std::string v;
    db->Get(rocksdb::ReadOptions(), cf(cfn), k, &v);
    return v;
  }
  void put(const std::string& cfn, const std::string& k, const std::string& v) {
    db->Put(rocksdb::WriteOptions(), cf(cfn), k, v);
  }
  void del(const std::string& cfn, const std::string& k) {
    db->Delete(rocksdb::WriteOptions(), cf(cfn), k);
  }
  // The first key of `cfn` for which pred(key) holds.
  template <class P>
  std::string find_key(const std::string& cfn, P&& pred) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf(cfn)));
    for (it->SeekToFirst(); it->Valid(); it->Next())
      if (pred(it->key().ToString())) return it->key().ToString();
    return "";
  }
};

}  // namespace vigil::ledger::test
