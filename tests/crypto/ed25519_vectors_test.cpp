// Ed25519 against the published vectors: the 12 speccheck edge cases under
// both rule sets on every engine this CPU has (single and batch), and
// RFC 8032 section 7.1 (keys and signatures).
#include <gtest/gtest.h>

#include "host/crypto/ed25519.hpp"
#include "tests/crypto/test_util.hpp"

namespace {

using namespace vigil::crypto;
using vigil::test::from_hex;
using vigil::test::to_hex;

const Engine kEngines[] = {Engine::automatic, Engine::portable, Engine::avx2, Engine::avx512ifma};

std::string single_verdicts(Rules rules, Engine engine) {
  std::string got;
  for (const auto& c : vigil::test::speccheck_cases()) {
    VerifyItem item{c.pk.data(), c.sig.data(), c.msg};
    got += verify(item, rules, engine) == VIGIL_OK ? 'V' : 'X';
  }
  return got;
}

std::string batch_verdicts(Rules rules, Engine engine) {
  const auto cases = vigil::test::speccheck_cases();
  std::vector<VerifyItem> items;
  for (const auto& c : cases) items.push_back({c.pk.data(), c.sig.data(), c.msg});
  std::vector<uint32_t> words(VIGIL_VERDICT_WORDS(items.size()));
  std::vector<uint8_t> errors(items.size());
  verify_batch(items, rules, words, errors, engine);
  std::string got;
  for (size_t i = 0; i < items.size(); ++i) {
    const bool ok = (words[i / 32] >> (i % 32)) & 1;
    EXPECT_EQ(ok, errors[i] == VIGIL_OK) << "item " << i;
    got += ok ? 'V' : 'X';
  }
  return got;
}

TEST(Ed25519Speccheck, EveryEngineGivesTheExpectedVerdicts) {
  const auto expected = vigil::test::load_json("ed25519_speccheck_expected.json");
  for (Engine e : kEngines) {
    if (!engine_supported(e)) {
      std::printf("skipping engine %s: this CPU lacks it\n", std::string(engine_name(e)).c_str());
      continue;
    }
    SCOPED_TRACE(std::string(engine_name(e)));
    EXPECT_EQ(single_verdicts(Rules::strict, e), expected.at("strict").get<std::string>());
    EXPECT_EQ(single_verdicts(Rules::zip215, e), expected.at("zip215").get<std::string>());
    EXPECT_EQ(batch_verdicts(Rules::strict, e), expected.at("strict").get<std::string>());
    EXPECT_EQ(batch_verdicts(Rules::zip215, e), expected.at("zip215").get<std::string>());
  }
}

struct RfcVector {
  const char* seed;
  const char* pk;
  const char* msg;
  const char* sig;
};

// RFC 8032 section 7.1, TESTs 1, 2, 3 and SHA(abc).
const RfcVector kRfc8032[] = {
    {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
     "46b"
     "d25bf5f0595bbe24655141438e7a100b"},
    {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11"
     "d8c"
     "387b2eaeb4302aeeb00d291612bb0c00"},
    {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc"
     "659"
     "4a7c15e9716ed28dc027beceea1ec40a"},
    {"833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3fee"
     "bbd"
     "454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e"
     "030"
     "3dca179c138ac17ad9bef1177331a704"},
};

TEST(Ed25519Rfc8032, KeysAndSignaturesMatchAndVerify) {
  for (const auto& v : kRfc8032) {
    Seed seed;
    const auto sb = from_hex(v.seed);
    std::copy(sb.begin(), sb.end(), seed.begin());
    const Keypair key = keypair_from_seed(seed);
    EXPECT_EQ(to_hex(key.public_key.data(), 32), v.pk);
    const auto msg = from_hex(v.msg);
    const Signature sig = sign(key, msg);
    EXPECT_EQ(to_hex(sig.data(), 64), v.sig);
    for (Rules r : {Rules::strict, Rules::zip215}) {
      EXPECT_EQ(verify({key.public_key.data(), sig.data(), msg}, r), VIGIL_OK);
      Signature bad = sig;
      bad[5] ^= 1;
      EXPECT_NE(verify({key.public_key.data(), bad.data(), msg}, r), VIGIL_OK);
    }
  }
}

TEST(Ed25519Keys, GeneratedKeysSignAndVerify) {
  const Keypair a = generate_keypair(), b = generate_keypair();
  EXPECT_NE(a.seed, b.seed);
  const uint8_t msg[] = {1, 2, 3};
  const Signature sig = sign(a, msg);
  EXPECT_EQ(verify({a.public_key.data(), sig.data(), msg}, Rules::strict), VIGIL_OK);
  EXPECT_EQ(verify({b.public_key.data(), sig.data(), msg}, Rules::strict), VIGIL_ERR_SIG_INVALID);
}

TEST(Ed25519Engines, NamesRoundTripAndAutoIsSupported) {
  for (Engine e : kEngines) EXPECT_EQ(parse_engine(engine_name(e)), e);
  EXPECT_FALSE(parse_engine("avx9000").has_value());
  EXPECT_EQ(parse_rules("zip215"), Rules::zip215);
  EXPECT_EQ(parse_rules("strict"), Rules::strict);
  EXPECT_FALSE(parse_rules("lax").has_value());
  EXPECT_TRUE(engine_supported(best_engine()));
  EXPECT_EQ(engine_supported(Engine::avx2), static_cast<bool>(__builtin_cpu_supports("avx2")));
}

}  // namespace
