// Internal to host/crypto (and its tests): which code computes SHA-2 on this
// CPU, the compression kernels behind each choice, and a hook that lets tests
// force every path the CPU supports.
//
// Paths:
//   portable  64-bit C++ (every x86-64 and any other CPU)
//   shani     SHA-256 with the SHA extensions, one message at a time
//   libcrypto SHA-512 on OpenSSL's block function, one message at a time
//   avx2      multi-buffer: 8 SHA-256 or 4 SHA-512 messages per step
//   avx512    multi-buffer: 32 SHA-256 or 16 SHA-512 messages per step
// Batches on `portable`/`shani` hash one item after another with the
// single-message path. The library itself is built for baseline x86-64; the
// SIMD files carry their own -m flags and run only after CPUID said yes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace vigil::crypto::sha2 {

enum class Path : uint8_t { portable, shani, avx2, avx512, libcrypto };

const char* path_name(Path path);

// True when this CPU (and its OS, for the wider registers) runs `path`.
bool cpu_supports(Path path);

struct Paths {
  Path single256;                    // portable or shani
  Path batch256;                     // portable (one at a time on single256), avx2 or avx512
  Path batch512;                     // portable, avx2 or avx512
  Path single512 = Path::libcrypto;  // portable or libcrypto; also SHA-512 stragglers
};

// What dispatch picks on this CPU (measured choices, see sha2_batch.cpp).
Paths best_paths();
Paths current_paths();

// Test hook: use `paths` from now on. Returns false, changing nothing, when
// the CPU lacks one of them or a path does not fit its slot. Not
// thread-safe: call it only while no other thread hashes.
bool force_paths(Paths paths);

// Batch entry for callers inside host/crypto (Merkle levels): for i < count,
// out[32*i..] (SHA-256) or out[64*i..] (SHA-512) = hash of the concatenation
// parts[i*nparts] || ... || parts[i*nparts + nparts - 1], on batch256/512.
void sha256_many(const std::span<const uint8_t>* parts, size_t nparts, size_t count, uint8_t* out);
void sha512_many(const std::span<const uint8_t>* parts, size_t nparts, size_t count, uint8_t* out);

// Single-buffer compression of `count` consecutive blocks. _single is the
// one current_paths().single256 (single512) names.
void sha256_compress_single(uint32_t state[8], const uint8_t* blocks, size_t count);
void sha256_compress_portable(uint32_t state[8], const uint8_t* blocks, size_t count);
void sha256_compress_shani(uint32_t state[8], const uint8_t* blocks, size_t count);
void sha512_compress_single(uint64_t state[8], const uint8_t* blocks, size_t count);
void sha512_compress_portable(uint64_t state[8], const uint8_t* blocks, size_t count);
void sha512_compress_libcrypto(uint64_t state[8], const uint8_t* blocks, size_t count);

// Multi-buffer compression of one block per lane. `state` is word-major:
// state[w * lanes + lane] holds word w of that lane's chaining value.
void sha256_x8_avx2(uint32_t* state, const uint8_t* const blocks[8]);
void sha256_x32_avx512(uint32_t* state, const uint8_t* const blocks[32]);
void sha512_x4_avx2(uint64_t* state, const uint8_t* const blocks[4]);
void sha512_x16_avx512(uint64_t* state, const uint8_t* const blocks[16]);

// The same step for a block that every lane shares and whose schedule is
// known ahead (the padding-only final block of equal-length messages):
// kw[i] = K[i] + W[i] for every round i.
void sha256_x8_avx2_kw(uint32_t* state, const uint32_t* kw);
void sha256_x32_avx512_kw(uint32_t* state, const uint32_t* kw);
void sha512_x4_avx2_kw(uint64_t* state, const uint64_t* kw);
void sha512_x16_avx512_kw(uint64_t* state, const uint64_t* kw);

}  // namespace vigil::crypto::sha2
