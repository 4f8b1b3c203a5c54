// SHA-512 compression on OpenSSL's own assembly (libcrypto). x86 has no
// SHA-512 instruction on these CPUs and OpenSSL's hand-scheduled AVX2/BMI2
// rounds beat the portable ones: `vigil bench hash` on the 2026-12-01 EPYC
// (Zen 5), one core, fastest call of each: portable 0.17-0.22x OpenSSL's
// SHA512_Init/Update/Final on 64- and 256-byte messages. So one message at a
// time (and batch stragglers) run on libcrypto's block function, reached
// through SHA512_Update on whole blocks with the context's chaining value
// set to ours; the framing (padding, length) stays Vigil's.
#include <openssl/sha.h>

#include <cstring>

#include "host/crypto/sha2_paths.hpp"

namespace vigil::crypto::sha2 {

// SHA512_Update hands whole blocks straight to sha512_block_data_order when
// the context holds no partial block (num == 0); h[] is the chaining value.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
void sha512_compress_libcrypto(uint64_t state[8], const uint8_t* blocks, size_t count) {
  SHA512_CTX ctx;
  std::memcpy(ctx.h, state, sizeof ctx.h);
  ctx.Nl = ctx.Nh = 0;
  ctx.num = 0;
  SHA512_Update(&ctx, blocks, count * SHA512_CBLOCK);
  std::memcpy(state, ctx.h, sizeof ctx.h);
}
#pragma GCC diagnostic pop

}  // namespace vigil::crypto::sha2
