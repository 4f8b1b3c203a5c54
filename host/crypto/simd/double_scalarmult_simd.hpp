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

// ZIP 215's single equation, lane by lane: ok[i] = 1 when
// [8]([s_i]B - [k_i]A_i - R_i) is the identity; A_i = (ax_i, ay_i) and
// R_i = (rx_i, ry_i) decoded points (canonical affine coordinates),
// k_i, s_i < 2^253, all at offset 32 i. Any n.
void zip215_equation_lanes_ifma(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* rx,
                                const uint8_t* ry, const uint8_t* k, const uint8_t* s, uint8_t* ok);
void zip215_equation_lanes_avx2(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* rx,
                                const uint8_t* ry, const uint8_t* k, const uint8_t* s, uint8_t* ok);

// Multi-scalar multiplication for batch verification (msm in
// edwards_simd.hpp): b B + sum s_i (x_i, y_i) over i < n (b null: no
// b B), the terms dealt
// over the lanes; out[lane] receives that lane's partial sum as canonical
// X, Y, Z, T bytes (8 lanes), which the caller adds. x_i, y_i: affine
// radix-2^51 limbs below 2^51; s_i, b: scalars < 2^253, s_i < 2^128 for
// i >= n_long (those skip the top windows). IFMA only: AVX2's lanes lose
// to the portable MSM (host/crypto/msm.cpp).
void msm_lanes_ifma(size_t n, size_t n_long, const uint64_t (*x)[5], const uint64_t (*y)[5],
                    const uint8_t (*s)[32], const uint8_t b[32], uint8_t (*out)[4][32]);

// Test hooks for the field arithmetic of each engine: per lane, the
// canonical encodings of a*b, a^2, a+b, a-b and 1/a (0 for a = 0).
void field_ops_x8_ifma(const uint8_t (*a)[32], const uint8_t (*b)[32], uint8_t (*out)[5][32]);
void field_ops_x4_avx2(const uint8_t (*a)[32], const uint8_t (*b)[32], uint8_t (*out)[5][32]);

}  // namespace vigil::crypto::simd
