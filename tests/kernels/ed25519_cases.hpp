// Ed25519 test inputs shared by the kernel and accelerator suites: the
// speccheck edge cases, RFC 8032 section 7.1, and seeded random signatures
// with mutations aimed at every rule of the two rule sets (bit flips, S >= L,
// non-canonical and small-order encodings, torsion added to A or R). Cases
// built so that the cofactored equation holds carry zip215_valid = true.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace vigil::test {

struct SigCase {
  std::array<uint8_t, 32> pk{};
  std::array<uint8_t, 64> sig{};
  std::vector<uint8_t> msg;
  int zip215_valid = -1;  // 1 or 0 when known by construction, -1 when not
};

inline std::vector<uint8_t> from_hex(const std::string& h) {
  std::vector<uint8_t> out(h.size() / 2);
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = uint8_t(std::stoi(h.substr(2 * i, 2), nullptr, 16));
  return out;
}

template <size_t N>
std::array<uint8_t, N> hex_array(const std::string& h) {
  auto v = from_hex(h);
  if (v.size() != N) throw std::runtime_error("bad hex length: " + h);
  std::array<uint8_t, N> a{};
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}

struct Speccheck {
  std::vector<SigCase> cases;
  std::string strict, zip215;  // "XXXV...": expected verdict per case
};

inline Speccheck load_speccheck(const std::string& dir) {
  Speccheck s;
  std::ifstream cf(dir + "/ed25519_speccheck_cases.json"),
      ef(dir + "/ed25519_speccheck_expected.json");
  if (!cf || !ef) throw std::runtime_error("speccheck vectors missing in " + dir);
  auto cases = nlohmann::json::parse(cf);
  auto expected = nlohmann::json::parse(ef);
  for (const auto& c : cases) {
    SigCase t;
    t.pk = hex_array<32>(c.at("pub_key").get<std::string>());
    t.sig = hex_array<64>(c.at("signature").get<std::string>());
    t.msg = from_hex(c.at("message").get<std::string>());
    s.cases.push_back(t);
  }
  s.strict = expected.at("strict").get<std::string>();
  s.zip215 = expected.at("zip215").get<std::string>();
  return s;
}

struct Rfc8032Vector {
  const char* seed;
  const char* pk;
  const char* msg;
  const char* sig;
};

// RFC 8032 section 7.1, TEST 1, 2, 3 and SHA(abc).
inline const std::vector<Rfc8032Vector>& rfc8032_vectors() {
  static const std::vector<Rfc8032Vector> v = {
      {"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
       "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
       "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
       "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
      {"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
       "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
       "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
       "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
      {"c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
       "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
       "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
       "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
      {"833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
       "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
       "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
       "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
  };
  return v;
}

// The eight points of small order, canonically encoded (sign bit clear and
// set where x != 0).
inline std::vector<std::array<uint8_t, 32>> torsion_points() {
  std::vector<std::array<uint8_t, 32>> t;
  std::array<uint8_t, 32> a{};
  a[0] = 1;
  t.push_back(a);  // identity
  a = {};
  t.push_back(a);  // (sqrt(-1), 0), order 4
  a[31] = 0x80;
  t.push_back(a);  // its negative
  a = hex_array<32>("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  t.push_back(a);  // (0, -1), order 2
  for (const char* h : {"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
                        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"}) {
    a = hex_array<32>(h);
    t.push_back(a);
    a[31] |= 0x80;
    t.push_back(a);
  }
  return t;
}

// Seeded generator of `n` cases; each item's kind is i % 14.
class CaseGenerator {
 public:
  explicit CaseGenerator(uint64_t seed) : rng_(seed) {}

  std::vector<SigCase> make(size_t n) {
    std::vector<SigCase> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(make_one(i % 14));
    return out;
  }

 private:
  std::mt19937_64 rng_;

  void fill(uint8_t* p, size_t n) {
    for (size_t i = 0; i < n; ++i) p[i] = uint8_t(rng_());
  }

  // A signature made by hand: r random, R = [r]B, k = H(R || A || M), S = r
  // + k a, where A may carry torsion the key's scalar does not know about.
  SigCase sign_raw(const std::array<uint8_t, 32>& a_scalar, const std::array<uint8_t, 32>& a_enc,
                   std::vector<uint8_t> msg, const std::array<uint8_t, 32>* r_torsion) {
    SigCase c;
    c.pk = a_enc;
    c.msg = std::move(msg);
    uint8_t r[32], big[64], k[32], ka[32], s[32];
    fill(big, 64);
    crypto_core_ed25519_scalar_reduce(r, big);
    crypto_scalarmult_ed25519_base_noclamp(c.sig.data(), r);
    if (r_torsion) crypto_core_ed25519_add(c.sig.data(), c.sig.data(), r_torsion->data());
    crypto_hash_sha512_state st;
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, c.sig.data(), 32);
    crypto_hash_sha512_update(&st, c.pk.data(), 32);
    crypto_hash_sha512_update(&st, c.msg.data(), c.msg.size());
    crypto_hash_sha512_final(&st, big);
    crypto_core_ed25519_scalar_reduce(k, big);
    crypto_core_ed25519_scalar_mul(ka, k, a_scalar.data());
    crypto_core_ed25519_scalar_add(s, r, ka);
    std::copy(s, s + 32, c.sig.begin() + 32);
    c.zip215_valid = 1;
    return c;
  }

  SigCase make_one(size_t kind) {
    uint8_t seed[32], sk[64];
    std::array<uint8_t, 32> pk{};
    fill(seed, 32);
    crypto_sign_seed_keypair(pk.data(), sk, seed);
    std::vector<uint8_t> msg(rng_() % 200);
    fill(msg.data(), msg.size());
    SigCase c;
    c.pk = pk;
    c.msg = msg;
    crypto_sign_detached(c.sig.data(), nullptr, msg.data(), msg.size(), sk);
    c.zip215_valid = 1;
    auto torsion = torsion_points();
    auto flip = [&](uint8_t* p, size_t n) { p[rng_() % n] ^= uint8_t(1u << (rng_() % 8)); };
    switch (kind) {
      case 0:
      case 1:
        break;  // valid
      case 2:
        flip(c.sig.data(), 32);  // R
        c.zip215_valid = -1;
        break;
      case 3:
        flip(c.sig.data() + 32, 32);  // S
        c.zip215_valid = -1;
        break;
      case 4:
        flip(c.pk.data(), 32);
        c.zip215_valid = -1;
        break;
      case 5:
        if (!c.msg.empty()) {
          flip(c.msg.data(), c.msg.size());
          c.zip215_valid = 0;
        }
        break;
      case 6: {  // S + L: the same group element, rejected by both rule sets
        static const uint8_t L[32] = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
                                      0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
                                      0,    0,    0,    0,    0,    0,    0,    0,
                                      0,    0,    0,    0,    0,    0,    0,    0x10};
        unsigned carry = 0;
        for (int i = 0; i < 32; ++i) {
          unsigned v = c.sig[32 + i] + L[i] + carry;
          c.sig[32 + i] = uint8_t(v);
          carry = v >> 8;
        }
        c.zip215_valid = 0;
        break;
      }
      case 7:  // S with high bits set
        c.sig[63] |= uint8_t(0x20u << (rng_() % 3));
        c.zip215_valid = 0;
        break;
      case 8: {  // small-order A and R, S = 0: cofactored equation holds
        c.pk = torsion[rng_() % torsion.size()];
        std::fill(c.sig.begin() + 32, c.sig.end(), 0);
        auto& r = torsion[rng_() % torsion.size()];
        std::copy(r.begin(), r.end(), c.sig.begin());
        c.zip215_valid = 1;
        break;
      }
      case 9: {  // mixed-order A = [a]B + T: zip215 valid, strict only if [k]T = 0
        std::array<uint8_t, 32> a{}, enc{};
        uint8_t h[64];
        crypto_hash_sha512(h, seed, 32);
        h[0] &= 248;
        h[31] &= 127;
        h[31] |= 64;
        std::copy(h, h + 32, a.begin());
        const auto& t = torsion[1 + rng_() % (torsion.size() - 1)];
        crypto_core_ed25519_add(enc.data(), pk.data(), t.data());
        c = sign_raw(a, enc, msg, nullptr);
        break;
      }
      case 10: {  // R + T: zip215 valid, strict invalid
        std::array<uint8_t, 32> a{};
        uint8_t h[64];
        crypto_hash_sha512(h, seed, 32);
        h[0] &= 248;
        h[31] &= 127;
        h[31] |= 64;
        std::copy(h, h + 32, a.begin());
        c = sign_raw(a, pk, msg, &torsion[1 + rng_() % (torsion.size() - 1)]);
        break;
      }
      case 11: {  // non-canonical A: y + p for y < 19, random sign
        std::array<uint8_t, 32> a{};
        a.fill(0xff);
        a[31] = 0x7f;
        a[0] = uint8_t(0xed + rng_() % 19);
        if (rng_() & 1) a[31] |= 0x80;
        c.pk = a;
        c.zip215_valid = -1;
        break;
      }
      case 12: {  // non-canonical R, random S
        std::array<uint8_t, 32> r{};
        r.fill(0xff);
        r[31] = 0x7f;
        r[0] = uint8_t(0xed + rng_() % 19);
        std::copy(r.begin(), r.end(), c.sig.begin());
        c.zip215_valid = -1;
        break;
      }
      case 13:  // random bytes everywhere, S reduced half the time
        fill(c.pk.data(), 32);
        fill(c.sig.data(), 64);
        if (rng_() & 1) c.sig[63] &= 0x0f;
        c.zip215_valid = -1;
        break;
    }
    return c;
  }
};

}  // namespace vigil::test
