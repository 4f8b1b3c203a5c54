// SHA-2 against FIPS 180-4 example vectors and OpenSSL on every length
// around the block and padding boundaries.
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

TEST(Sha512, Fips180Vectors) {
  EXPECT_EQ(hex(vigil::crypto::sha512(bytes_of("abc"))),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  EXPECT_EQ(hex(vigil::crypto::sha512(bytes_of(""))),
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
            "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
  EXPECT_EQ(hex(vigil::crypto::sha512(bytes_of(
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
                "klmnopqrlmnopqrsmnopqrstnopqrstu"))),
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
