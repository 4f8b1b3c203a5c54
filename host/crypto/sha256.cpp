// SHA-256, FIPS 180-4 section 6.2, one message at a time: SHA-NI where the
// CPU has it, portable code otherwise (sha2_dispatch.cpp decides).
#include "host/crypto/sha2.hpp"
#include "host/crypto/sha2_constants.hpp"
#include "host/crypto/sha2_md.hpp"
#include "host/crypto/sha2_paths.hpp"

namespace vigil::crypto {
namespace sha2 {

void sha256_compress_single(uint32_t state[8], const uint8_t* blocks, size_t count) {
  if (count == 0) return;
#if defined(__x86_64__)
  if (current_paths().single256 == Path::shani) return sha256_compress_shani(state, blocks, count);
#endif
  sha256_compress_portable(state, blocks, count);
}

}  // namespace sha2

Sha256::Sha256() {
  std::copy(std::begin(sha2::kSha256Init), std::end(sha2::kSha256Init), state_.begin());
}

void Sha256::update(Bytes data) {
  sha2::md_update<64>(buffer_.data(), total_, data, [this](const uint8_t* p, size_t n) {
    sha2::sha256_compress_single(state_.data(), p, n);
  });
}

Hash256 Sha256::finish() {
  sha2::md_finish<64, 8>(buffer_.data(), total_, [this](const uint8_t* p, size_t n) {
    sha2::sha256_compress_single(state_.data(), p, n);
  });
  Hash256 out;
  for (int i = 0; i < 8; ++i) sha2::store_be<uint32_t>(out.data() + 4 * i, state_[i]);
  return out;
}

Hash256 sha256(Bytes data) {
  Sha256 h;
  h.update(data);
  return h.finish();
}

}  // namespace vigil::crypto
