// SHA-256 and SHA-512 (FIPS 180-4): one message, incremental, or many short
// messages per call, on the fastest code this CPU has, chosen at run time
// (sha2_paths.hpp): SHA-256 on SHA-NI where present, else portable; SHA-512
// on OpenSSL's block function (libcrypto); batches in AVX-512 (32 x SHA-256,
// 16 x SHA-512) or AVX2 (8 x, 4 x) multi-buffer lanes. Every path gives the same bytes; tests force
// each one against OpenSSL. The library is built for baseline x86-64.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace vigil::crypto {

using Hash256 = std::array<uint8_t, 32>;
using Hash512 = std::array<uint8_t, 64>;
using Bytes = std::span<const uint8_t>;

class Sha512 {
 public:
  Sha512();
  void update(Bytes data);
  Hash512 finish();

 private:
  void compress(const uint8_t* blocks, size_t count);
  std::array<uint64_t, 8> state_;
  std::array<uint8_t, 128> buffer_{};
  uint64_t total_ = 0;  // bytes absorbed; messages stay far below 2^61 bytes
};

class Sha256 {
 public:
  Sha256();
  void update(Bytes data);
  Hash256 finish();

 private:
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  uint64_t total_ = 0;
};

Hash512 sha512(Bytes data);
Hash256 sha256(Bytes data);

// out[i] = hash(messages[i]); out.size() must equal messages.size() (in a
// release build a mismatch hashes the shorter count and leaves the rest).
// Messages of any lengths may be mixed. Where the CPU has AVX-512 (both
// hashes) or AVX2 (SHA-512; SHA-256 when there is no SHA-NI) the messages
// run side by side in SIMD lanes, which pays from a few messages on; the
// last stragglers and small batches finish one at a time. The result is
// always exactly the single-message hash. Thread-safe; no allocation.
void sha256_batch(std::span<const Bytes> messages, std::span<Hash256> out);
void sha512_batch(std::span<const Bytes> messages, std::span<Hash512> out);

// out[i] = hash(parts[i][0] || parts[i][1] || parts[i][2]) without copying
// the parts together (Ed25519 hashes R || A || M). Same contract as above.
void sha256_batch3(std::span<const std::array<Bytes, 3>> parts, std::span<Hash256> out);
void sha512_batch3(std::span<const std::array<Bytes, 3>> parts, std::span<Hash512> out);

}  // namespace vigil::crypto
