// SHA-512, FIPS 180-4 section 6.4. Portable (no x86 instruction speeds up
// one SHA-512 stream on these CPUs); many messages at once go through
// sha512_batch's multi-buffer lanes instead.
#include "host/crypto/sha2.hpp"
#include "host/crypto/sha2_constants.hpp"
#include "host/crypto/sha2_md.hpp"
#include "host/crypto/sha2_paths.hpp"

namespace vigil::crypto {

Sha512::Sha512() {
  std::copy(std::begin(sha2::kSha512Init), std::end(sha2::kSha512Init), state_.begin());
}

void Sha512::compress(const uint8_t* blocks, size_t count) {
  sha2::sha512_compress_portable(state_.data(), blocks, count);
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

Hash512 sha512(Bytes data) {
  Sha512 h;
  h.update(data);
  return h.finish();
}

}  // namespace vigil::crypto
