// Fixed-base tables for B, built once on first use (deterministic: the same
// affine points every time), and the width-w NAF recoding.
#include <cstring>
#include <vector>

#include "host/crypto/ge.hpp"

namespace vigil::crypto {
namespace {

// kComb[i][j] = (j + 1) * 256^i * B: for signed radix-16 digits at even and
// odd positions (the odd ones get shifted by the four doublings).
struct CombTable {
  GeNiels entry[32][8];
};

const CombTable& comb_table() {
  static const CombTable* table = [] {
    auto* t = new CombTable;
    std::vector<GeP3> pts(32 * 8);
    GeP3 row = ge_base();
    for (int i = 0; i < 32; ++i) {
      GeP3 acc = row;
      for (int j = 0; j < 8; ++j) {
        pts[i * 8 + j] = acc;
        acc = ge_add3(acc, row);
      }
      for (int k = 0; k < 8; ++k) row = ge_dbl3(row);  // * 256
    }
    std::vector<Fe> scratch(2 * pts.size());
    ge_to_niels_batch(pts.data(), &t->entry[0][0], scratch.data(), pts.size());
    return t;
  }();
  return *table;
}

// Returns table row `pos` entry |b| (b in [-8, 8]) negated when b < 0, or
// the identity for b = 0, touching every entry.
GeNiels select(int pos, int8_t b) {
  const auto& row = comb_table().entry[pos];
  const uint64_t negative = static_cast<uint8_t>(b) >> 7;
  const uint64_t babs = static_cast<uint64_t>(b - ((-static_cast<int>(negative) & b) << 1));
  GeNiels t{fe_one(), fe_one(), fe_zero()};
  for (uint64_t j = 1; j <= 8; ++j) {
    const uint64_t eq = ((babs ^ j) - 1) >> 63;  // 1 when babs == j
    t.yplusx = fe_select(t.yplusx, row[j - 1].yplusx, eq);
    t.yminusx = fe_select(t.yminusx, row[j - 1].yminusx, eq);
    t.xy2d = fe_select(t.xy2d, row[j - 1].xy2d, eq);
  }
  GeNiels minus{t.yminusx, t.yplusx, fe_carry(fe_neg(t.xy2d))};
  t.yplusx = fe_select(t.yplusx, minus.yplusx, negative);
  t.yminusx = fe_select(t.yminusx, minus.yminusx, negative);
  t.xy2d = fe_select(t.xy2d, minus.xy2d, negative);
  return t;
}

}  // namespace

void ge_to_niels_batch(const GeP3* in, GeNiels* out, Fe* scratch, size_t n) {
  Fe* zinv = scratch;
  for (size_t i = 0; i < n; ++i) zinv[i] = in[i].Z;
  fe_batch_invert(zinv, scratch + n, n);
  for (size_t i = 0; i < n; ++i) {
    out[i] = ge_niels_from_affine(fe_mul(in[i].X, zinv[i]), fe_mul(in[i].Y, zinv[i]));
  }
}

VIGIL_HOT GeP3 ge_scalarmult_base(const uint8_t a[32]) {
  int8_t e[64];
  for (int i = 0; i < 32; ++i) {
    e[2 * i] = static_cast<int8_t>(a[i] & 15);
    e[2 * i + 1] = static_cast<int8_t>(a[i] >> 4);
  }
  int8_t carry = 0;  // recode to digits in [-8, 8)
  for (int i = 0; i < 63; ++i) {
    e[i] = static_cast<int8_t>(e[i] + carry);
    carry = static_cast<int8_t>((e[i] + 8) >> 4);
    e[i] = static_cast<int8_t>(e[i] - (carry << 4));
  }
  e[63] = static_cast<int8_t>(e[63] + carry);

  GeP3 h = ge_identity();
  for (int i = 1; i < 64; i += 2) h = ge_p1p1_to_p3(ge_madd(h, select(i / 2, e[i])));
  GeP1P1 r = ge_dbl(h);
  GeP2 s = ge_p1p1_to_p2(r);
  r = ge_dbl(s);
  s = ge_p1p1_to_p2(r);
  r = ge_dbl(s);
  s = ge_p1p1_to_p2(r);
  h = ge_p1p1_to_p3(ge_dbl(s));
  for (int i = 0; i < 64; i += 2) h = ge_p1p1_to_p3(ge_madd(h, select(i / 2, e[i])));
  return h;
}

const GeNiels* ge_base_odd_multiples() {
  static const GeNiels* table = [] {
    auto* t = new GeNiels[128];
    std::vector<GeP3> pts(128);
    const GeP3 b2 = ge_dbl3(ge_base());
    pts[0] = ge_base();
    for (int i = 1; i < 128; ++i) pts[i] = ge_add3(pts[i - 1], b2);
    std::vector<Fe> scratch(256);
    ge_to_niels_batch(pts.data(), t, scratch.data(), 128);
    return t;
  }();
  return table;
}

void ge_wnaf(int8_t naf[256], const uint8_t scalar[32], int w) {
  uint64_t x[5] = {0, 0, 0, 0, 0};
  std::memcpy(x, scalar, 32);
  std::memset(naf, 0, 256);
  const uint64_t width = uint64_t{1} << w;
  const uint64_t mask = width - 1;
  uint64_t carry = 0;
  int pos = 0;
  while (pos < 256) {
    const int word = pos / 64, bit = pos % 64;
    uint64_t buf = x[word] >> bit;
    if (bit + w > 64) buf |= x[word + 1] << (64 - bit);
    const uint64_t window = carry + (buf & mask);
    if ((window & 1) == 0) {
      pos += 1;
      continue;
    }
    if (window < width / 2) {
      carry = 0;
      naf[pos] = static_cast<int8_t>(window);
    } else {
      carry = 1;
      naf[pos] = static_cast<int8_t>(static_cast<int64_t>(window) - static_cast<int64_t>(width));
    }
    pos += w;
  }
}

}  // namespace vigil::crypto
