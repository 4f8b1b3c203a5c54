// Tampering with the files: one flipped byte in a stored block header,
// frame, QC, receipt, state node, stale-index entry, account record or
// transaction index entry; a deleted block or QC; two blocks swapped; an
// extra record. Each makes the audit fail naming the height; the untouched
// store passes. (tests/ledger/ldb_tamper_test.sh does the same through
// RocksDB's own ldb tool.)
#include <gtest/gtest.h>

#include "host/ledger/audit.hpp"
#include "tests/ledger/ledger_util.hpp"

namespace vigil::ledger {
namespace {

using test::RawDb;

class Tamper : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::TempDir();
    auto l = test::make_chain(dir_->sub("clean"), 6, 12, /*keep=*/2);
    ASSERT_TRUE(l);
  }
  static void TearDownTestSuite() { delete dir_; }

  // A fresh copy of the clean store to spoil.
  std::string copy() {
    std::string to = dir_->sub("copy" + std::to_string(++n_));
    std::filesystem::copy(dir_->sub("clean"), to, std::filesystem::copy_options::recursive);
    return to;
  }
  static std::string flip(std::string v, size_t at) {
    v[at % v.size()] = char(v[at % v.size()] ^ 0x01);
    return v;
  }
  void expect_bad(const std::string& dir, uint64_t height, const std::string& kind) {
    AuditReport r = audit_store(dir);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.first_bad_height, height) << r.what;
    EXPECT_NE(r.what.find(kind), std::string::npos) << r.what;
    EXPECT_LT(r.height, std::max<uint64_t>(height, 1)) << r.what;
  }

  static test::TempDir* dir_;
  static inline int n_ = 0;
};
test::TempDir* Tamper::dir_ = nullptr;

TEST_F(Tamper, UntouchedStorePasses) {
  AuditReport r = audit_store(dir_->sub("clean"));
  EXPECT_TRUE(r.ok) << r.what;
  EXPECT_EQ(r.height, 6u);
  EXPECT_EQ(r.blocks, 7u);
  EXPECT_EQ(r.transactions, 72u);
}

TEST_F(Tamper, BlockHeaderFrameQcAndReceiptBytes) {
  struct Case {
    const char* family;
    uint64_t height;
    size_t offset;
    const char* kind;
  } cases[] = {
      {"blocks", 3, 30, "link"},           // parent id
      {"blocks", 4, 100, "link"},          // state root: the id changes, the id index disagrees
      {"blocks", 2, 128 + 60, "tx root"},  // a frame's payload
      {"blocks", 5, 120, "link"},          // proposer
      {"qcs", 4, 200, "QC"},               // a signature
      {"qcs", 2, 40, "QC"},                // the vote's epoch
      {"receipts", 3, 4, "receipt"},       // a code
      {"receipts", 6, 8, "receipt"},       // an index
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.family) + " " + std::to_string(c.height));
    std::string d = copy();
    {
      RawDb db(d);
      std::string k = height_key(c.height);
      db.put(c.family, k, flip(db.get(c.family, k), c.offset));
    }
    expect_bad(d, c.height, c.kind);
  }
}

TEST_F(Tamper, DeletedOrSwappedBlocks) {
  std::string d = copy();
  {
    RawDb db(d);
    db.del("blocks", height_key(3));
  }
  expect_bad(d, 3, "missing block");
  d = copy();
  {
    RawDb db(d);
    std::string b2 = db.get("blocks", height_key(2)), b3 = db.get("blocks", height_key(3));
    db.put("blocks", height_key(2), b3);
    db.put("blocks", height_key(3), b2);
  }
  expect_bad(d, 2, "link");
  d = copy();
  {
    RawDb db(d);
    db.del("qcs", height_key(5));
  }
  expect_bad(d, 5, "QC missing");
  d = copy();
  {
    RawDb db(d);  // a block past the tip
    db.put("blocks", height_key(7), db.get("blocks", height_key(6)));
  }
  expect_bad(d, 7, "extra record");
}

TEST_F(Tamper, StateRecords) {
  // A state node of each retained version, flipped in turn.
  for (uint64_t v : {4ull, 5ull, 6ull}) {
    SCOPED_TRACE("node of version " + std::to_string(v));
    std::string d = copy();
    {
      RawDb db(d);
      std::string k = db.find_key(
          "state", [&](const std::string& key) { return key.substr(0, 8) == height_key(v); });
      ASSERT_NE(k, "");
      db.put("state", k, flip(db.get("state", k), 20));
    }
    expect_bad(d, v, "state");
  }
  // A stale-index entry removed.
  std::string d = copy();
  {
    RawDb db(d);
    std::string k = db.find_key(
        "stale", [](const std::string& key) { return key.substr(0, 8) == height_key(5); });
    ASSERT_NE(k, "");
    db.del("stale", k);
  }
  expect_bad(d, 5, "stale");
  // The governance record (last written by the genesis).
  d = copy();
  {
    RawDb db(d);
    std::string k(reinterpret_cast<const char*>(execution::kGovernanceKey.data()), 32);
    db.put("accounts", k, flip(db.get("accounts", k), 3));
  }
  expect_bad(d, 0, "state");
  // A stored state root.
  d = copy();
  {
    RawDb db(d);
    std::string k = "root/" + height_key(4);
    db.put("meta", k, flip(db.get("meta", k), 12));
  }
  expect_bad(d, 4, "state root");
  // A transaction index entry.
  d = copy();
  uint64_t h = 0;
  {
    RawDb db(d);
    std::string k = db.find_key("txs", [](const std::string&) { return true; });
    h = *parse_height_key(k.substr(64));
    db.put("txs", k, flip(db.get("txs", k), 0));
  }
  expect_bad(d, h, "tx index");
}

TEST_F(Tamper, AuditNeverWrites) {
  std::string d = copy();
  auto before = std::filesystem::recursive_directory_iterator(d);
  std::map<std::string, uintmax_t> sizes;
  for (const auto& e : std::filesystem::recursive_directory_iterator(d))
    if (e.is_regular_file()) sizes[e.path().filename()] = e.file_size();
  {
    RawDb db(d);
    db.del("blocks", height_key(2));
  }
  for (const auto& e : std::filesystem::recursive_directory_iterator(d))
    if (e.is_regular_file()) sizes[e.path().filename()] = e.file_size();
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(audit_store(d).ok);
  for (const auto& e : std::filesystem::recursive_directory_iterator(d))
    if (e.is_regular_file() && sizes.count(e.path().filename())) {
      EXPECT_EQ(sizes[e.path().filename()], e.file_size()) << e.path();
    }
  AuditReport r = audit_store(dir_->sub("nowhere"));
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.what.find("store"), std::string::npos);
}

}  // namespace
}  // namespace vigil::ledger
