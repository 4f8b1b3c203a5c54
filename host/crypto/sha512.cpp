// SHA-512, FIPS 180-4 section 6.4, one message at a time: on OpenSSL's
// block function by default, portable code when forced (sha2_dispatch.cpp
// and sha512_libcrypto.cpp say why); many messages at once go through
// sha512_batch's multi-buffer lanes instead.
#include "host/crypto/sha2.hpp"
#include "host/crypto/sha2_constants.hpp"
#include "host/crypto/sha2_md.hpp"
#include "host/crypto/sha2_paths.hpp"

namespace vigil::crypto {
namespace sha2 {

void sha512_compress_single(uint64_t state[8], const uint8_t* blocks, size_t count) {
  if (count == 0) return;
  if (current_paths().single512 == Path::libcrypto)
    return sha512_compress_libcrypto(state, blocks, count);
  sha512_compress_portable(state, blocks, count);
}

}  // namespace sha2

Sha512::Sha512() {
  std::copy(std::begin(sha2::kSha512Init), std::end(sha2::kSha512Init), state_.begin());
}

void Sha512::compress(const uint8_t* blocks, size_t count) {
  sha2::sha512_compress_single(state_.data(), blocks, count);
}

void Sha512::update(Bytes data) {
  sha2::md_update<128>(buffer_.data(), total_, data,
                       [this](const uint8_t* p, size_t n) { compress(p, n); });
}

Hash512 Sha512::finish() {
  sha2::md_finish<128, 16>(buffer_.data(), total_,
                           [this](const uint8_t* p, size_t n) { compress(p, n); });
  Hash512 out;
  for (int i = 0; i < 8; ++i) sha2::store_be<uint64_t>(out.data() + 8 * i, state_[i]);
  return out;
}

// One shot: whole blocks hashed in place, the padded tail built once, with
// no streaming buffer to clear and fill (this is what keeps one short
// message at OpenSSL's own speed on its own block function).
Hash512 sha512(Bytes data) {
  uint64_t s[8];
  std::copy(std::begin(sha2::kSha512Init), std::end(sha2::kSha512Init), s);
  const size_t full = data.size() / 128, rest = data.size() % 128;
  sha2::sha512_compress_single(s, data.data(), full);
  const size_t tail_blocks = rest + 1 + 16 > 128 ? 2 : 1;
  uint8_t tail[256];
  std::memset(tail, 0, tail_blocks * 128);
  if (rest > 0) std::memcpy(tail, data.data() + full * 128, rest);
  tail[rest] = 0x80;
  sha2::store_be<uint64_t>(tail + tail_blocks * 128 - 8, uint64_t{data.size()} * 8);
  sha2::sha512_compress_single(s, tail, tail_blocks);
  Hash512 out;
  for (int i = 0; i < 8; ++i) sha2::store_be<uint64_t>(out.data() + 8 * i, s[i]);
  return out;
}

}  // namespace vigil::crypto
