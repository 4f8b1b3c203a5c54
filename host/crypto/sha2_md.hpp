// The Merkle-Damgard framing that SHA-256 and SHA-512 share (FIPS 180-4
// 5.1): buffering of partial blocks, the 0x80 marker, zero fill and the
// big-endian bit length in the last 8 bytes of the final block (SHA-512's
// 16-byte length field has its upper half zero: messages stay below 2^61
// bytes). Internal to host/crypto.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <span>

namespace vigil::crypto::sha2 {

inline uint32_t byteswap(uint32_t v) {
  return __builtin_bswap32(v);
}
inline uint64_t byteswap(uint64_t v) {
  return __builtin_bswap64(v);
}

template <class Word>
inline Word load_be(const uint8_t* p) {
  Word v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = byteswap(v);
  return v;
}

template <class Word>
inline void store_be(uint8_t* p, Word v) {
  if constexpr (std::endian::native == std::endian::little) v = byteswap(v);
  std::memcpy(p, &v, sizeof v);
}

// Absorbs `data` into a hash whose partial block is `buffer` (kBlock bytes)
// and that has absorbed `total` bytes; full blocks go to compress(p, n).
template <size_t kBlock, class Compress>
inline void md_update(uint8_t* buffer, uint64_t& total, std::span<const uint8_t> data,
                      Compress&& compress) {
  if (data.empty()) return;  // an empty span may hold a null pointer: no memcpy from it
  size_t used = total % kBlock;
  total += data.size();
  if (used > 0) {
    size_t take = std::min(data.size(), kBlock - used);
    std::memcpy(buffer + used, data.data(), take);
    data = data.subspan(take);
    if (used + take < kBlock) return;
    compress(buffer, 1);
  }
  compress(data.data(), data.size() / kBlock);
  size_t rest = data.size() % kBlock;
  std::memcpy(buffer, data.data() + data.size() - rest, rest);
}

// Pads and compresses the final block(s); `kLenBytes` is the length field.
template <size_t kBlock, size_t kLenBytes, class Compress>
inline void md_finish(uint8_t* buffer, uint64_t total, Compress&& compress) {
  size_t used = total % kBlock;
  buffer[used++] = 0x80;
  if (used > kBlock - kLenBytes) {
    std::memset(buffer + used, 0, kBlock - used);
    compress(buffer, 1);
    used = 0;
  }
  std::memset(buffer + used, 0, kBlock - 8 - used);
  store_be<uint64_t>(buffer + kBlock - 8, total * 8);
  compress(buffer, 1);
}

}  // namespace vigil::crypto::sha2
