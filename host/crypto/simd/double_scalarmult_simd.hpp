// SIMD double scalar multiplication for Ed25519 verification: for several
// signatures at once (one per SIMD lane),
//     out_i = encode([s_i]B - [k_i]A_i)
// A_i: an already decoded point as affine (x, y), each a little-endian field
// element (bit 255 ignored; values >= p are taken mod p); any point of the
// curve, small-order and mixed-order ones included.
// k_i, s_i: little-endian scalars below 2^255 (callers pass them reduced
// mod L); B: the Ed25519 base point; encode: RFC 8032 (y, sign of x on top).
// Lanes: n <= 8 for IFMA, n <= 4 for AVX2; out[i] for i >= n is not written.
//
// Exact on every input; not constant time (verification data is public).
// Call a function only where its *_supported() is true: each one runs
// instructions that baseline x86-64 lacks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::crypto::simd {

bool ifma_supported();  // AVX-512 F, VL and IFMA
bool avx2_supported();

void double_scalarmult_encode_x8_ifma(const uint8_t (*ax)[32], const uint8_t (*ay)[32],
                                      const uint8_t (*k)[32], const uint8_t (*s)[32],
                                      uint8_t (*out)[32], size_t n);

void double_scalarmult_encode_x4_avx2(const uint8_t (*ax)[32], const uint8_t (*ay)[32],
                                      const uint8_t (*k)[32], const uint8_t (*s)[32],
                                      uint8_t (*out)[32], size_t n);

// Point decoding for several encodings at once, as ge_decode_affine does
// it: y = the low 255 bits mod p (canonicity is the caller's rule), x the
// square root with the parity of bit 255 (x = 0 with bit 255 set gives
// x = 0); ok[i] = 0 where (y^2 - 1) / (d y^2 + 1) has no square root.
// x[i], y[i] canonical where ok[i]. n <= 8 (IFMA), n <= 4 (AVX2).
void decode_x8_ifma(const uint8_t (*enc)[32], uint8_t (*x)[32], uint8_t (*y)[32], uint8_t* ok,
                    size_t n);
void decode_x4_avx2(const uint8_t (*enc)[32], uint8_t (*x)[32], uint8_t (*y)[32], uint8_t* ok,
                    size_t n);

// The same with the engine hook's shape (DsmEncodeLanesFn in
// host/crypto/double_scalarmult.hpp): lane i reads ax + 32 i, ay + 32 i,
// k + 32 i, s + 32 i and writes out + 32 i; any n (groups of 8 or 4).
void dsm_encode_lanes_ifma(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* k,
                           const uint8_t* s, uint8_t* out);
void dsm_encode_lanes_avx2(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* k,
                           const uint8_t* s, uint8_t* out);
// Lane i decodes enc + 32 i into x + 32 i, y + 32 i, ok[i]; any n.
void decode_lanes_ifma(size_t n, const uint8_t* enc, uint8_t* x, uint8_t* y, uint8_t* ok);
void decode_lanes_avx2(size_t n, const uint8_t* enc, uint8_t* x, uint8_t* y, uint8_t* ok);

// Test hooks for the field arithmetic of each engine: per lane, the
// canonical encodings of a*b, a^2, a+b, a-b and 1/a (0 for a = 0).
void field_ops_x8_ifma(const uint8_t (*a)[32], const uint8_t (*b)[32], uint8_t (*out)[5][32]);
void field_ops_x4_avx2(const uint8_t (*a)[32], const uint8_t (*b)[32], uint8_t (*out)[5][32]);

}  // namespace vigil::crypto::simd
