// [s]B - [k]A, the heart of single verification, and the hook that lets
// SIMD engines compute several of them at once.
//
// The strict rule set needs only encode([s]B - [k]A), compared byte for byte
// with R; that function is what an engine provides. Its portable reference
// is double_scalarmult_encode; an engine's lanes function computes the same
// thing for up to kDsmMaxLanes independent items.
#pragma once

#include <cstddef>
#include <cstdint>

#include "host/crypto/ed25519.hpp"
#include "host/crypto/ge.hpp"

namespace vigil::crypto {

// out = encode([s]B - [k]A), where A = (ax, ay) is an affine point on the
// curve given as canonical little-endian field elements, and k, s are
// little-endian scalars < 2^253. Variable time (public inputs only).
void double_scalarmult_encode(const uint8_t ax[32], const uint8_t ay[32], const uint8_t k[32],
                              const uint8_t s[32], uint8_t out[32]);

inline constexpr size_t kDsmMaxLanes = 8;

// Lane i (i < n <= kDsmMaxLanes) reads ax + 32 i, ay + 32 i, k + 32 i,
// s + 32 i and writes out + 32 i, with the meaning of
// double_scalarmult_encode. An engine implements this for its vector width.
using DsmEncodeLanesFn = void (*)(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* k,
                                  const uint8_t* s, uint8_t* out);

// The portable lanes function: double_scalarmult_encode per lane, each group
// of kDsmMaxLanes sharing one inversion (any n works).
void double_scalarmult_encode_lanes(size_t n, const uint8_t* ax, const uint8_t* ay,
                                    const uint8_t* k, const uint8_t* s, uint8_t* out);

// The lanes function that `engine` uses (engine should be supported and not
// `automatic`): avx512ifma and avx2 run host/crypto/simd's lane-parallel
// code; an engine the CPU lacks, and `portable`, get the portable one.
DsmEncodeLanesFn dsm_encode_lanes_for(Engine engine);

// Lane i (i < n) decodes enc + 32 i as ge_decode_affine does, writing
// canonical x + 32 i, y + 32 i and ok[i] (0: no such point).
using DecodeLanesFn = void (*)(size_t n, const uint8_t* enc, uint8_t* x, uint8_t* y, uint8_t* ok);
// The portable one: ge_decode_affine per lane.
void decode_affine_lanes(size_t n, const uint8_t* enc, uint8_t* x, uint8_t* y, uint8_t* ok);
// The decoder that `engine` uses, like dsm_encode_lanes_for.
DecodeLanesFn decode_lanes_for(Engine engine);

// Lane i (i < n) sets ok[i] to 1 when [8]([s]B - [k]A - R) is the identity
// (ZIP 215's single equation), else 0: A = (ax, ay) and R = (rx, ry) are
// decoded points as canonical affine coordinates, k, s scalars < 2^253, all
// at offset 32 i.
using Zip215LanesFn = void (*)(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* rx,
                               const uint8_t* ry, const uint8_t* k, const uint8_t* s, uint8_t* ok);
// The portable one: zip215_equation per lane.
void zip215_equation_lanes(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* rx,
                           const uint8_t* ry, const uint8_t* k, const uint8_t* s, uint8_t* ok);
// The one that `engine` uses, like dsm_encode_lanes_for.
Zip215LanesFn zip215_lanes_for(Engine engine);

// [s]B - [k]A with A already decoded; the common core of both rule sets.
GeP1P1 double_scalarmult_vartime(const GeP3& a, const uint8_t k[32], const uint8_t s[32]);

}  // namespace vigil::crypto
