// Scalar glue shared by the SIMD Ed25519 engines: the bridge between bytes
// and limbs, and the scalar recodings that make per-lane windows lane-uniform.
//
// Compiled for baseline x86-64 (no target flags), so both the AVX2 and the
// AVX-512 IFMA translation units can call it on any CPU.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vigil::crypto::simd {

// A field element mod p = 2^255 - 19 as five limbs of radix 2^51: the value
// is sum l[i] * 2^(51 i). Every SIMD radix converts to and from this form.
using Fe51 = uint64_t[5];

// Reads the low 255 bits of a little-endian 32-byte string (bit 255 is
// ignored); the limbs are < 2^51, the value may be >= p.
void fe51_from_bytes(Fe51 out, const uint8_t in[32]);

// Writes the canonical little-endian encoding of (sum l[i] 2^(51 i)) mod p.
// Limbs may be anything below 2^63.
void fe51_to_bytes(uint8_t out[32], const Fe51 l);

// Signed radix-16 digits d[0..63] in [-8, 8] with s = sum d[i] 16^i.
// Requires s < 2^255 (bit 255 clear).
void recode_radix16(int8_t d[64], const uint8_t s[32]);

// Signed radix-256 digits d[0..31] in [-128, 128] with s = sum d[i] 256^i.
// Requires s < 2^255 (bit 255 clear).
void recode_radix256(int16_t d[32], const uint8_t s[32]);

// The Ed25519 base point B in affine coordinates, the curve constant d,
// 2d and sqrt(-1) = 2^((p-1)/4), each a canonical little-endian field element.
extern const uint8_t kBaseX[32];
extern const uint8_t kBaseY[32];
extern const uint8_t kD[32];
extern const uint8_t kTwoD[32];
extern const uint8_t kSqrtM1[32];

}  // namespace vigil::crypto::simd
