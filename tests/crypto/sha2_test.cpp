// SHA-2 against FIPS 180-4 example vectors (one block, two blocks, a million
// 'a') and OpenSSL on every length around the block and padding boundaries,
// on the paths dispatch picks for this CPU (sha2_paths_test.cpp forces the
// others).
#include "host/crypto/sha2.hpp"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <string>
#include <vector>

namespace {

using vigil::crypto::Bytes;

std::string hex(std::span<const uint8_t> b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) s += {d[c >> 4], d[c & 15]};
  return s;
}

Bytes bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

const std::string kTwoBlock256 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
const std::string kTwoBlock512 =
    "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
    "klmnopqrlmnopqrsmnopqrstnopqrstu";

TEST(Sha512, Fips180Vectors) {
  EXPECT_EQ(hex(vigil::crypto::sha512(bytes_of("abc"))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(hex(vigil::crypto::sha512(bytes_of(""))),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
  EXPECT_EQ(hex(vigil::crypto::sha512(bytes_of(kTwoBlock512))),
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
            "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
  EXPECT_EQ(hex(vigil::crypto::sha512(bytes_of(std::string(1000000, 'a')))),
            "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
            "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
}

TEST(Sha256, Fips180Vectors) {
  EXPECT_EQ(hex(vigil::crypto::sha256(bytes_of("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(vigil::crypto::sha256(bytes_of(""))),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(vigil::crypto::sha256(bytes_of(kTwoBlock256))),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex(vigil::crypto::sha256(bytes_of(std::string(1000000, 'a')))),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// The same vectors through the batch entry points, side by side in one batch.
TEST(Sha2Batch, Fips180Vectors) {
  const std::string million(1000000, 'a'), abc = "abc", empty;
  const std::vector<Bytes> msgs = {bytes_of(abc), bytes_of(empty), bytes_of(kTwoBlock256),
                                   bytes_of(million), bytes_of(kTwoBlock512)};
  std::vector<vigil::crypto::Hash256> h256(msgs.size());
  std::vector<vigil::crypto::Hash512> h512(msgs.size());
  vigil::crypto::sha256_batch(msgs, h256);
  vigil::crypto::sha512_batch(msgs, h512);
  EXPECT_EQ(hex(h256[0]), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(h256[1]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(h256[2]), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex(h256[3]), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(hex(h512[0]),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(hex(h512[3]),
            "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
            "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b");
  EXPECT_EQ(hex(h512[4]),
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
            "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

TEST(Sha512, EqualsOpenSslAcrossBoundariesAndSplits) {
  std::vector<uint8_t> msg(1000);
  for (size_t i = 0; i < msg.size(); ++i) msg[i] = uint8_t(i * 131 + 7);
  for (size_t len = 0; len <= 300; ++len) {
    uint8_t ref[64];
    SHA512(msg.data(), len, ref);
    vigil::crypto::Sha512 h;
    size_t split = len / 3;
    h.update(Bytes(msg.data(), split));
    h.update(Bytes(msg.data() + split, len - split));
    EXPECT_EQ(hex(h.finish()), hex(ref)) << "len " << len;
  }
}

}  // namespace
