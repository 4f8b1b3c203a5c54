#include "host/crypto/simd/simd_common.hpp"

#include <cstring>

namespace vigil::crypto::simd {

namespace {

constexpr uint64_t kMask51 = (uint64_t{1} << 51) - 1;

uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // x86-64 is little-endian
}

// One pass of carries from limb 0 to limb 4, the carry out of limb 4 folded
// back into limb 0 (2^255 = 19 mod p).
void carry_pass(uint64_t l[5]) {
  for (int i = 0; i < 4; ++i) {
    l[i + 1] += l[i] >> 51;
    l[i] &= kMask51;
  }
  const uint64_t c = l[4] >> 51;
  l[4] &= kMask51;
  l[0] += 19 * c;
}

}  // namespace

const uint8_t kBaseX[32] = {0x1a, 0xd5, 0x25, 0x8f, 0x60, 0x2d, 0x56, 0xc9, 0xb2, 0xa7, 0x25,
                            0x95, 0x60, 0xc7, 0x2c, 0x69, 0x5c, 0xdc, 0xd6, 0xfd, 0x31, 0xe2,
                            0xa4, 0xc0, 0xfe, 0x53, 0x6e, 0xcd, 0xd3, 0x36, 0x69, 0x21};
const uint8_t kBaseY[32] = {0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                            0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                            0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};
const uint8_t kD[32] = {0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41,
                        0x41, 0x4d, 0x0a, 0x70, 0x00, 0x98, 0xe8, 0x79, 0x77, 0x79, 0x40,
                        0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52};
const uint8_t kSqrtM1[32] = {0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f,
                             0xad, 0x06, 0x18, 0x43, 0x2f, 0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00,
                             0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b};
const uint8_t kTwoD[32] = {0x59, 0xf1, 0xb2, 0x26, 0x94, 0x9b, 0xd6, 0xeb, 0x56, 0xb1, 0x83,
                           0x82, 0x9a, 0x14, 0xe0, 0x00, 0x30, 0xd1, 0xf3, 0xee, 0xf2, 0x80,
                           0x8e, 0x19, 0xe7, 0xfc, 0xdf, 0x56, 0xdc, 0xd9, 0x06, 0x24};

void fe51_from_bytes(Fe51 out, const uint8_t in[32]) {
  out[0] = load64(in) & kMask51;
  out[1] = (load64(in + 6) >> 3) & kMask51;
  out[2] = (load64(in + 12) >> 6) & kMask51;
  out[3] = (load64(in + 19) >> 1) & kMask51;
  out[4] = (load64(in + 24) >> 12) & kMask51;
}

void fe51_to_bytes(uint8_t out[32], const Fe51 in) {
  uint64_t l[5] = {in[0], in[1], in[2], in[3], in[4]};
  // Three passes bring any limbs below 2^63 to limbs below 2^51: the first
  // leaves a carry into limb 0 below 19 * 2^12, the second one of at most
  // 19, and the third cannot carry out again.
  carry_pass(l);
  carry_pass(l);
  carry_pass(l);
  // Now 0 <= v < 2^255; v >= p exactly when v + 19 >= 2^255.
  uint64_t q = (l[0] + 19) >> 51;
  for (int i = 1; i < 5; ++i) q = (l[i] + q) >> 51;
  l[0] += 19 * q;
  for (int i = 0; i < 4; ++i) {
    l[i + 1] += l[i] >> 51;
    l[i] &= kMask51;
  }
  l[4] &= kMask51;  // drops the 2^255 that q * p removes
  const uint64_t w[4] = {l[0] | (l[1] << 51), (l[1] >> 13) | (l[2] << 38),
                         (l[2] >> 26) | (l[3] << 25), (l[3] >> 39) | (l[4] << 12)};
  std::memcpy(out, w, 32);
}

void recode_radix16(int8_t d[64], const uint8_t s[32]) {
  for (int i = 0; i < 32; ++i) {
    d[2 * i] = static_cast<int8_t>(s[i] & 15);
    d[2 * i + 1] = static_cast<int8_t>(s[i] >> 4);
  }
  int carry = 0;
  for (int i = 0; i < 63; ++i) {
    const int v = d[i] + carry;
    carry = (v + 8) >> 4;
    d[i] = static_cast<int8_t>(v - (carry << 4));
  }
  d[63] = static_cast<int8_t>(d[63] + carry);  // <= 7 + 1 when s < 2^255
}

void recode_radix256(int16_t d[32], const uint8_t s[32]) {
  int carry = 0;
  for (int i = 0; i < 31; ++i) {
    const int v = s[i] + carry;
    carry = (v + 128) >> 8;
    d[i] = static_cast<int16_t>(v - (carry << 8));
  }
  d[31] = static_cast<int16_t>(s[31] + carry);  // <= 127 + 1 when s < 2^255
}

}  // namespace vigil::crypto::simd
