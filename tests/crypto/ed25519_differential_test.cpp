// Differential tests of Ed25519 verification on random and adversarial
// cases (ed25519_cases.hpp):
//   strict == libsodium 1.0.18 crypto_sign_verify_detached, every case,
//             every engine this CPU has, single and batch;
//   zip215 == an independent Python oracle (zip215_oracle.py) on the first
//             kOracleCases cases and on every small-order A x R pair;
//   batch == single for both rule sets in batches of many sizes, and with
//             one bad item at every position of a batch.
// VIGIL_DIFF_CASES sets the case count (50,000 by default; the soak build
// runs 1,000,000).
#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "host/crypto/ed25519.hpp"
#include "host/crypto/zip215_batch.hpp"
#include "tests/crypto/ed25519_cases.hpp"

#ifndef VIGIL_DIFF_CASES
#define VIGIL_DIFF_CASES 50000
#endif
#ifndef VIGIL_ORACLE_CASES
#define VIGIL_ORACLE_CASES 4000
#endif

namespace {

using namespace vigil::crypto;
using vigil::test::Ed25519Case;
using vigil::test::Ed25519CaseGen;

std::vector<Engine> supported_engines() {
  std::vector<Engine> out;
  for (Engine e : {Engine::portable, Engine::avx2, Engine::avx512ifma}) {
    if (engine_supported(e)) {
      out.push_back(e);
    } else {
      std::printf("skipping engine %s: this CPU lacks it\n", std::string(engine_name(e)).c_str());
    }
  }
  return out;
}

VerifyItem item_of(const Ed25519Case& c) {
  return {c.pk.data(), c.sig.data(), c.msg};
}

bool sodium_valid(const Ed25519Case& c) {
  return crypto_sign_verify_detached(c.sig.data(), c.msg.data(), c.msg.size(), c.pk.data()) == 0;
}

std::vector<bool> batch_verdicts(std::span<const Ed25519Case> cases, Rules rules, Engine e) {
  std::vector<VerifyItem> items;
  for (const auto& c : cases) items.push_back(item_of(c));
  std::vector<uint32_t> words(VIGIL_VERDICT_WORDS(items.size()), 0xa5a5a5a5);
  std::vector<uint8_t> errors(items.size(), 0xff);
  // Every batch tries the batch equation (a failed one would make the next
  // few go item by item, zip215_batch.cpp).
  vigil::crypto::zip215_forget_failures();
  verify_batch(items, rules, words, errors, e);
  std::vector<bool> out;
  for (size_t i = 0; i < items.size(); ++i) {
    const bool ok = (words[i / 32] >> (i % 32)) & 1;
    EXPECT_EQ(ok, errors[i] == VIGIL_OK);
    out.push_back(ok);
  }
  return out;
}

// Runs zip215_oracle.py over the cases; returns its verdicts.
std::vector<bool> oracle_verdicts(const std::vector<Ed25519Case>& cases) {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string tag = std::to_string(getpid());
  const auto in = dir / ("vigil_zip215_cases_" + tag + ".txt");
  const auto out = dir / ("vigil_zip215_verdicts_" + tag + ".txt");
  {
    std::ofstream f(in);
    for (const auto& c : cases) f << vigil::test::case_line(c) << "\n";
  }
  const std::string cmd = "/usr/bin/python3 " VIGIL_SOURCE_DIR "/tests/crypto/zip215_oracle.py " +
                          in.string() + " " + out.string();
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::ifstream f(out);
  std::vector<bool> verdicts;
  std::string line;
  while (std::getline(f, line)) verdicts.push_back(line == "V");
  std::filesystem::remove(in);
  std::filesystem::remove(out);
  return verdicts;
}

class Differential : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_GE(sodium_init(), 0);
    Ed25519CaseGen gen(0x5eed);
    cases_ = new std::vector<Ed25519Case>;
    cases_->reserve(VIGIL_DIFF_CASES);
    for (int i = 0; i < VIGIL_DIFF_CASES; ++i) cases_->push_back(gen.next());
    // Every pair of small-order encodings as (A, R), S = 0 and S = 1.
    small_pairs_ = new std::vector<Ed25519Case>;
    for (const auto& a : gen.small_order()) {
      for (const auto& r : gen.small_order()) {
        for (uint8_t s0 : {0, 1}) {
          Ed25519Case c{a, {}, {static_cast<uint8_t>(small_pairs_->size())}, "small-pair"};
          std::copy(r.begin(), r.end(), c.sig.begin());
          c.sig[32] = s0;
          small_pairs_->push_back(c);
        }
      }
    }
  }
  static void TearDownTestSuite() {
    delete cases_;
    delete small_pairs_;
  }
  static std::vector<Ed25519Case>* cases_;
  static std::vector<Ed25519Case>* small_pairs_;
};
std::vector<Ed25519Case>* Differential::cases_ = nullptr;
std::vector<Ed25519Case>* Differential::small_pairs_ = nullptr;

TEST_F(Differential, StrictEqualsLibsodiumOnEveryEngine) {
  std::map<std::string, std::array<size_t, 2>> by_kind;  // kind -> {valid, invalid}
  for (Engine e : supported_engines()) {
    size_t mismatches = 0;
    for (const auto* set : {cases_, small_pairs_}) {
      for (const auto& c : *set) {
        const bool want = sodium_valid(c);
        const bool got = verify(item_of(c), Rules::strict, e) == VIGIL_OK;
        if (got != want && ++mismatches <= 5) {
          ADD_FAILURE() << engine_name(e) << " " << c.kind << " libsodium=" << want << ": "
                        << vigil::test::case_line(c);
        }
        if (e == Engine::portable) by_kind[c.kind][want ? 0 : 1]++;
      }
    }
    EXPECT_EQ(mismatches, 0u) << engine_name(e);
  }
  for (const auto& [kind, n] : by_kind) {
    std::printf("strict %-18s valid %7zu invalid %7zu\n", kind.c_str(), n[0], n[1]);
  }
  // The cases must exercise both verdicts where libsodium can go either way.
  EXPECT_GT(by_kind["valid"][0], 0u);
  EXPECT_GT(by_kind["mixed-a"][0], 0u);  // [k]T = 0 happens for some k
  EXPECT_GT(by_kind["mixed-a"][1], 0u);
  EXPECT_EQ(by_kind["small-r"][0], 0u);
}

TEST_F(Differential, Zip215EqualsPythonOracle) {
  std::vector<Ed25519Case> sample(*small_pairs_);
  const size_t n = std::min<size_t>(VIGIL_ORACLE_CASES, cases_->size());
  sample.insert(sample.end(), cases_->begin(), cases_->begin() + static_cast<long>(n));
  const std::vector<bool> want = oracle_verdicts(sample);
  ASSERT_EQ(want.size(), sample.size());
  size_t mismatches = 0, valid = 0, strict_differs = 0;
  for (size_t i = 0; i < sample.size(); ++i) {
    const bool got = verify(item_of(sample[i]), Rules::zip215) == VIGIL_OK;
    valid += got;
    strict_differs += got != (verify(item_of(sample[i]), Rules::strict) == VIGIL_OK);
    if (got != want[i] && ++mismatches <= 5) {
      ADD_FAILURE() << sample[i].kind << " oracle=" << want[i] << ": "
                    << vigil::test::case_line(sample[i]);
    }
  }
  EXPECT_EQ(mismatches, 0u);
  std::printf("oracle: %zu cases, %zu zip215-valid, %zu where strict differs\n", sample.size(),
              valid, strict_differs);
  EXPECT_GT(strict_differs, 100u);
}

TEST_F(Differential, BatchEqualsSingleForBothRules) {
  const size_t sizes[] = {1, 2, 3, 5, 8, 13, 31, 64, 100, 256, 1000};
  for (Rules rules : {Rules::zip215, Rules::strict}) {
    std::vector<bool> single;
    for (const auto& c : *cases_) single.push_back(verify(item_of(c), rules) == VIGIL_OK);
    for (Engine e : supported_engines()) {
      size_t pos = 0, round = 0, mismatches = 0;
      while (pos < cases_->size()) {
        const size_t n = std::min(sizes[round++ % std::size(sizes)], cases_->size() - pos);
        const auto got = batch_verdicts({cases_->data() + pos, n}, rules, e);
        for (size_t i = 0; i < n; ++i) mismatches += got[i] != single[pos + i];
        pos += n;
      }
      EXPECT_EQ(mismatches, 0u) << rules_name(rules) << " " << engine_name(e);
    }
  }
}

TEST_F(Differential, OneBadItemAtEveryPositionOfABatch) {
  for (Rules rules : {Rules::zip215, Rules::strict}) {
    // 64 items valid under `rules`, of every kind that can be valid.
    std::vector<Ed25519Case> good;
    for (const auto& c : *cases_) {
      if (good.size() < 64 && verify(item_of(c), rules) == VIGIL_OK) good.push_back(c);
    }
    ASSERT_EQ(good.size(), 64u);
    for (const auto& c : good) {
      ASSERT_TRUE(batch_verdicts({&c, 1}, rules, Engine::automatic)[0])
          << c.kind << " " << vigil::test::case_line(c);
    }
    size_t really_bad = 0;
    for (Engine e : supported_engines()) {
      for (int bad_kind = 0; bad_kind < 4; ++bad_kind) {
        for (size_t p = 0; p < good.size(); ++p) {
          std::vector<Ed25519Case> batch = good;
          Ed25519Case& b = batch[p];
          switch (bad_kind) {
            case 0:  // equation fails
              b.msg.push_back(1);
              break;
            case 1:  // S >= L
              b.sig[63] |= 0xf0;
              break;
            case 2:  // S off by one: equation fails by exactly B
              b.sig[32] ^= 1;
              break;
            default:  // A replaced by another valid item's A
              b.pk = good[(p + 1) % good.size()].pk;
              if (b.pk == good[p].pk) b.msg.push_back(2);
              break;
          }
          // A mutation may leave an item valid (a small-order key's S = r
          // signs every message under zip215): the bad item's expected verdict
          // is its single verdict, and nearly all must be invalid.
          const bool bad_valid = verify(item_of(b), rules) == VIGIL_OK;
          really_bad += !bad_valid;
          const auto got = batch_verdicts(batch, rules, e);
          for (size_t i = 0; i < batch.size(); ++i) {
            ASSERT_EQ(got[i], i != p || bad_valid)
                << rules_name(rules) << " " << engine_name(e) << " bad kind " << bad_kind << " at "
                << p << ", item " << i;
          }
        }
      }
    }
    EXPECT_GT(really_bad, supported_engines().size() * 4 * 64 * 3 / 4) << rules_name(rules);
  }
}

// Past the IFMA MSM's chunk of 256 terms: a batch of 300 distinct valid
// items with forged ones at the edges of lane groups and chunks, alone and
// many at once (then every item goes to the fallback), on every engine.
TEST_F(Differential, ForgedItemsInALargeBatchOnEveryEngine) {
  Ed25519CaseGen gen(91, 1);
  std::vector<Ed25519Case> good;
  for (int i = 0; i < 300; ++i) good.push_back(gen.valid());
  const std::vector<std::vector<size_t>> forged = {
      {0}, {7}, {127}, {128}, {255}, {299}, {1, 8, 200}, {0, 2, 4, 6, 8, 10, 150, 151, 298, 299}};
  for (Engine e : supported_engines()) {
    for (const auto& bad : forged) {
      std::vector<Ed25519Case> b = good;
      for (size_t i : bad) b[i].sig[40] ^= 4;
      for (Rules rules : {Rules::zip215, Rules::strict}) {
        const auto got = batch_verdicts(b, rules, e);
        for (size_t i = 0; i < b.size(); ++i) {
          const bool is_bad = std::find(bad.begin(), bad.end(), i) != bad.end();
          ASSERT_EQ(got[i], !is_bad) << rules_name(rules) << " " << engine_name(e) << " " << i;
        }
      }
    }
  }
}

// Past zip215's sub-batch of 1024 items (zip215_batch.cpp): each sub-batch
// has its own equation and fallback, so a forged item at either edge of a
// sub-batch is found, and only there; verdicts land on the right indices.
TEST_F(Differential, ForgedItemsAtTheEdgesOfZip215SubBatches) {
  Ed25519CaseGen gen(92, 1);
  std::vector<Ed25519Case> good;
  for (int i = 0; i < 2100; ++i) good.push_back(gen.valid());
  const std::vector<std::vector<size_t>> forged = {{}, {0, 1023}, {1024, 2099}, {2047, 2048}};
  for (Engine e : supported_engines()) {
    for (const auto& bad : forged) {
      std::vector<Ed25519Case> b = good;
      for (size_t i : bad) b[i].sig[40] ^= 4;
      const auto got = batch_verdicts(b, Rules::zip215, e);
      for (size_t i = 0; i < b.size(); ++i) {
        const bool is_bad = std::find(bad.begin(), bad.end(), i) != bad.end();
        ASSERT_EQ(got[i], !is_bad) << engine_name(e) << " " << i;
      }
    }
  }
}

// After a failed batch equation the next batches skip it (item by item):
// a stream of batches, forged items at changing positions and all-valid
// batches between them, gets exactly the single verdicts on every engine.
TEST_F(Differential, BatchesAfterAFailedEquationGetExactVerdicts) {
  Ed25519CaseGen gen(93, 1);
  std::vector<Ed25519Case> good;
  for (int i = 0; i < 64; ++i) good.push_back(gen.valid());
  for (Engine e : supported_engines()) {
    vigil::crypto::zip215_forget_failures();
    for (size_t round = 0; round < 16; ++round) {
      std::vector<Ed25519Case> b = good;
      const bool forge = round % 3 != 2;
      const size_t at = (round * 37) % b.size();
      if (forge) b[at].sig[40] ^= 4;
      std::vector<VerifyItem> items;
      for (const auto& c : b) items.push_back(item_of(c));
      std::vector<uint32_t> words(VIGIL_VERDICT_WORDS(items.size()));
      verify_batch(items, Rules::zip215, words, {}, e);  // no forget: the skip is on
      for (size_t i = 0; i < b.size(); ++i) {
        ASSERT_EQ(((words[i / 32] >> (i % 32)) & 1) != 0, !(forge && i == at))
            << engine_name(e) << " round " << round << " item " << i;
      }
    }
  }
}

TEST_F(Differential, BatchOfOneKeyRepeatedMergesAndStillFindsTheBadItem) {
  // 300 signatures by one key (one merged A term) and 300 copies of one
  // signature; each with one bad item in the middle and one at the end.
  Ed25519CaseGen gen(77, 1);
  std::vector<Ed25519Case> same_key, same_item;
  for (int i = 0; i < 300; ++i) same_key.push_back(gen.valid());
  same_item.assign(300, same_key[0]);
  for (auto* batch : {&same_key, &same_item}) {
    for (size_t bad : {size_t{150}, size_t{299}}) {
      std::vector<Ed25519Case> b = *batch;
      b[bad].sig[40] ^= 4;
      for (Rules rules : {Rules::zip215, Rules::strict}) {
        const auto got = batch_verdicts(b, rules, Engine::automatic);
        for (size_t i = 0; i < b.size(); ++i) ASSERT_EQ(got[i], i != bad) << i;
      }
    }
  }
}

TEST(Ed25519Api, UnsupportedEngineAndRulesAreErrorsNotVerdicts) {
  Ed25519CaseGen gen(5, 1);
  const Ed25519Case c = gen.valid();
  const VerifyItem item = item_of(c);
  EXPECT_EQ(verify(item, static_cast<Rules>(99)), VIGIL_ERR_BAD_RULES);
  uint32_t word = 0xffffffff;
  uint8_t err = 0;
  verify_batch({&item, 1}, static_cast<Rules>(99), {&word, 1}, {&err, 1});
  EXPECT_EQ(word & 1, 0u);
  EXPECT_EQ(err, VIGIL_ERR_BAD_RULES);
  for (Engine e : {Engine::avx2, Engine::avx512ifma}) {
    if (engine_supported(e)) continue;
    EXPECT_EQ(verify(item, Rules::strict, e), VIGIL_ERR_UNSUPPORTED);
    word = 1;
    verify_batch({&item, 1}, Rules::zip215, {&word, 1}, {&err, 1}, e);
    EXPECT_EQ(word, 0u);
    EXPECT_EQ(err, VIGIL_ERR_UNSUPPORTED);
  }
}

}  // namespace
