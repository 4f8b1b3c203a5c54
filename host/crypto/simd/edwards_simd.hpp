// The lane-parallel double scalar multiplication shared by the SIMD engines:
// out_i = encode([s_i]B - [k_i]A_i), one signature per lane.
//
// Written once over a field type F (fe51x8_ifma.hpp, fe26x4_avx2.hpp) that
// supplies lane-parallel add, sub, mul, sqr, gathers and blends. The field
// contract: mul, sqr, add and sub return "tight" limbs, which every
// operation accepts in every operand; add_lazy(tight, tight) may skip the
// carry, and its result may only be a mul or sqr factor or the first
// operand of add or sub (never the second, never an add_lazy operand).
// Everything
// here has internal linkage on purpose: each engine's translation unit is
// compiled with its own target flags, and a shared inline symbol could let
// the linker hand AVX-512 code to an AVX2-only CPU.
//
// Not constant time: verification works on public data. Each lane keeps its
// own window digits; the schedule (which doubling, which addition) is the
// same for every lane, and per-lane table entries are fetched by gathers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "host/crypto/simd/simd_common.hpp"

namespace vigil::crypto::simd {
namespace {

// Extended twisted Edwards coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, XY = ZT.
// "Projective" points below only carry X, Y, Z (T is skipped when the next
// step is a doubling, which does not read it).
template <class F>
struct Point {
  typename F::Fe X, Y, Z, T;
};

// A point prepared for addition: (Y+X, Y-X, Z, 2d T).
template <class F>
struct Cached {
  typename F::Fe YpX, YmX, Z, T2d;
};

// The result of an addition or a doubling before its last multiplications:
// X = E F, Y = G H, Z = F G, T = E H.
template <class F>
struct Completed {
  typename F::Fe E, Fv, G, H;
};

template <class F>
void to_projective(Point<F>& r, const Completed<F>& c) {
  r.X = F::mul(c.E, c.Fv);
  r.Y = F::mul(c.G, c.H);
  r.Z = F::mul(c.Fv, c.G);
}

template <class F>
void to_extended(Point<F>& r, const Completed<F>& c) {
  to_projective(r, c);
  r.T = F::mul(c.E, c.H);
}

// Doubling (dbl-2008-hwcd for a = -1, signs flipped in pairs); reads X, Y, Z.
template <class F>
Completed<F> dbl(const Point<F>& p) {
  const auto a = F::sqr(p.X);
  const auto b = F::sqr(p.Y);
  auto c = F::sqr(p.Z);
  c = F::add_lazy(c, c);
  const auto xy = F::sqr(F::add_lazy(p.X, p.Y));
  Completed<F> r;
  r.H = F::add_lazy(a, b);
  r.E = F::sub(r.H, xy);
  r.G = F::sub(a, b);
  r.Fv = F::add(c, r.G);
  return r;
}

// Unified addition (add-2008-hwcd-3, complete on edwards25519); reads all
// of p, so p must be extended.
template <class F>
Completed<F> add(const Point<F>& p, const Cached<F>& q) {
  const auto a = F::mul(F::sub(p.Y, p.X), q.YmX);
  const auto b = F::mul(F::add_lazy(p.Y, p.X), q.YpX);
  const auto c = F::mul(p.T, q.T2d);
  auto d = F::mul(p.Z, q.Z);
  d = F::add_lazy(d, d);
  Completed<F> r;
  r.E = F::sub(b, a);
  r.Fv = F::sub(d, c);
  r.G = F::add(d, c);
  r.H = F::add_lazy(b, a);
  return r;
}

template <class F>
Cached<F> to_cached(const Point<F>& p, const typename F::Fe& two_d) {
  return {F::add_lazy(p.Y, p.X), F::sub(p.Y, p.X), p.Z, F::mul(p.T, two_d)};
}

template <class F>
typename F::Fe sqr_n(typename F::Fe x, int n) {
  for (int i = 0; i < n; ++i) x = F::sqr(x);
  return x;
}

// z^(2^250 - 1), and z^11 on the side (the ref10 addition chain).
template <class F>
typename F::Fe pow_2_250_1(const typename F::Fe& z, typename F::Fe& z11) {
  const auto z2 = F::sqr(z);
  const auto z9 = F::mul(z, sqr_n<F>(z2, 2));
  z11 = F::mul(z2, z9);
  const auto z_5_0 = F::mul(F::sqr(z11), z9);
  const auto z_10_0 = F::mul(sqr_n<F>(z_5_0, 5), z_5_0);
  const auto z_20_0 = F::mul(sqr_n<F>(z_10_0, 10), z_10_0);
  const auto z_40_0 = F::mul(sqr_n<F>(z_20_0, 20), z_20_0);
  const auto z_50_0 = F::mul(sqr_n<F>(z_40_0, 10), z_10_0);
  const auto z_100_0 = F::mul(sqr_n<F>(z_50_0, 50), z_50_0);
  const auto z_200_0 = F::mul(sqr_n<F>(z_100_0, 100), z_100_0);
  return F::mul(sqr_n<F>(z_200_0, 50), z_50_0);
}

// z^(p-2) = 1/z for z != 0, lane by lane.
template <class F>
typename F::Fe invert(const typename F::Fe& z) {
  typename F::Fe z11;
  const auto t = pow_2_250_1<F>(z, z11);
  return F::mul(sqr_n<F>(t, 5), z11);  // 2^255 - 32 + 11 = p - 2
}

// z^((p-5)/8) = z^(2^252 - 3), the exponent of the square-root ratio.
template <class F>
typename F::Fe pow_p58(const typename F::Fe& z) {
  typename F::Fe z11;
  return F::mul(sqr_n<F>(pow_2_250_1<F>(z, z11), 2), z);
}

// Loads one field element per lane from canonical-or-not 32-byte strings;
// lanes at or beyond n get `fill`.
template <class F>
typename F::Fe load_bytes(const uint8_t (*in)[32], size_t n, uint64_t fill) {
  uint64_t l[F::kLanes][5];
  for (size_t i = 0; i < F::kLanes; ++i) {
    if (i < n) {
      fe51_from_bytes(l[i], in[i]);
    } else {
      l[i][0] = fill;
      l[i][1] = l[i][2] = l[i][3] = l[i][4] = 0;
    }
  }
  return F::from_fe51(l);
}

template <class F>
typename F::Fe broadcast_bytes(const uint8_t in[32]) {
  uint64_t l[F::kLanes][5];
  for (size_t i = 0; i < F::kLanes; ++i) fe51_from_bytes(l[i], in);
  return F::from_fe51(l);
}

template <class F>
Point<F> identity() {
  return {F::constant(0), F::constant(1), F::constant(1), F::constant(0)};
}

template <class F>
Cached<F> identity_cached() {
  return {F::constant(1), F::constant(1), F::constant(1), F::constant(0)};
}

// A table of cached points, entry-major, then coordinate, then limb; each
// limb row holds `kRow` words (kLanes for a per-lane table, 1 for a table
// shared by all lanes). Rows are gathered by a per-lane entry index.
template <class F, size_t kEntries, size_t kRow>
struct Table {
  static constexpr size_t kEntryWords = 4 * F::kLimbs * kRow;
  alignas(64) uint64_t w[kEntries * kEntryWords];

  void put(size_t entry, const Cached<F>& c) {
    uint64_t* e = w + entry * kEntryWords;
    const typename F::Fe* coords[4] = {&c.YpX, &c.YmX, &c.Z, &c.T2d};
    for (size_t k = 0; k < 4; ++k) {
      if constexpr (kRow == F::kLanes) {
        F::store(e + k * F::kLimbs * kRow, *coords[k]);
      } else {
        uint64_t all[F::kLimbs * F::kLanes];
        F::store(all, *coords[k]);
        for (size_t m = 0; m < F::kLimbs; ++m) e[k * F::kLimbs + m] = all[m * F::kLanes];
      }
    }
  }

  // Entry |digit| per lane, negated where `neg` is all-ones. `idx` holds,
  // per lane, the word offset of that lane's entry (entry * kEntryWords,
  // plus the lane number in a per-lane table).
  Cached<F> get(typename F::V idx, typename F::V neg) const {
    typename F::Fe c[4];
    for (size_t k = 0; k < 4; ++k) c[k] = F::gather(w + k * F::kLimbs * kRow, kRow, idx);
    // -(x, y) = (-x, y): Y+X and Y-X swap, T negates, Z stays.
    return {F::select(neg, c[0], c[1]), F::select(neg, c[1], c[0]), c[2],
            F::select(neg, c[3], F::sub(F::constant(0), c[3]))};
  }
};

// Entries j P for j = 0..8 of a per-lane table; p extended.
template <class F, class T>
void put_multiples(T& tab, const Point<F>& p, const typename F::Fe& two_d) {
  tab.put(0, identity_cached<F>());
  const Cached<F> p1 = to_cached(p, two_d);
  tab.put(1, p1);
  Point<F> q;
  to_extended(q, dbl(p));
  tab.put(2, to_cached(q, two_d));
  for (size_t j = 3; j <= 8; ++j) {
    to_extended(q, add(q, p1));
    tab.put(j, to_cached(q, two_d));
  }
}

// j B for j = 0..128, shared by every lane; built once per engine.
template <class F>
using BaseTable = Table<F, 129, 1>;

template <class F>
void build_base_table(BaseTable<F>& t) {
  const auto two_d = broadcast_bytes<F>(kTwoD);
  Point<F> b;
  b.X = broadcast_bytes<F>(kBaseX);
  b.Y = broadcast_bytes<F>(kBaseY);
  b.Z = F::constant(1);
  b.T = F::mul(b.X, b.Y);
  const Cached<F> bc = to_cached(b, two_d);
  t.put(0, identity_cached<F>());
  t.put(1, bc);
  Point<F> p = b;
  for (size_t j = 2; j <= 128; ++j) {
    to_extended(p, add(p, bc));
    t.put(j, to_cached(p, two_d));
  }
}

// The table above, built on first use (thread-safe static initialisation).
template <class F>
const BaseTable<F>& base_table() {
  static const BaseTable<F>* const table = [] {
    static BaseTable<F> t;
    build_base_table(t);
    return &t;
  }();
  return *table;
}

// [s_i]B - [k_i]A_i per lane i < n (n <= kLanes; the other lanes compute
// the identity), extended.
template <class F>
Point<F> double_scalarmult(const uint8_t (*ax)[32], const uint8_t (*ay)[32], const uint8_t (*k)[32],
                           const uint8_t (*s)[32], size_t n) {
  const BaseTable<F>& btab = base_table<F>();
  constexpr size_t L = F::kLanes;

  // Per-lane digits, turned into gather offsets and negation masks for each
  // step. -[k]A uses entry |d| negated where d > 0; [s]B negated where d < 0.
  using ATable = Table<F, 9, L>;
  alignas(64) uint64_t a_idx[64][L], a_neg[64][L], b_idx[32][L], b_neg[32][L];
  for (size_t i = 0; i < L; ++i) {
    int8_t kd[64] = {};
    int16_t sd[32] = {};
    if (i < n) {
      recode_radix16(kd, k[i]);
      recode_radix256(sd, s[i]);
    }
    for (size_t j = 0; j < 64; ++j) {
      const int d = kd[j];
      a_idx[j][i] = static_cast<uint64_t>(d < 0 ? -d : d) * ATable::kEntryWords + i;
      a_neg[j][i] = d > 0 ? ~uint64_t{0} : 0;
    }
    for (size_t j = 0; j < 32; ++j) {
      const int d = sd[j];
      b_idx[j][i] = static_cast<uint64_t>(d < 0 ? -d : d) * BaseTable<F>::kEntryWords;
      b_neg[j][i] = d < 0 ? ~uint64_t{0} : 0;
    }
  }

  // Unused lanes compute with A = identity (0, 1) and zero scalars.
  const auto two_d = broadcast_bytes<F>(kTwoD);
  Point<F> a;
  a.X = load_bytes<F>(ax, n, 0);
  a.Y = load_bytes<F>(ay, n, 1);
  a.Z = F::constant(1);
  a.T = F::mul(a.X, a.Y);

  // j A for j = 0..8, per lane.
  ATable atab;
  put_multiples(atab, a, two_d);

  // Horner over radix-16 digits of k; a base-point digit every other step.
  Point<F> q = identity<F>();
  for (int i = 63; i >= 0; --i) {
    if (i != 63) {
      for (int d = 0; d < 3; ++d) to_projective(q, dbl(q));
      to_extended(q, dbl(q));
    }
    const Completed<F> ca = add(q, atab.get(F::load(a_idx[i]), F::load(a_neg[i])));
    if (i % 2 == 0) {
      to_extended(q, ca);
      const int j = i / 2;
      const Completed<F> cb = add(q, btab.get(F::load(b_idx[j]), F::load(b_neg[j])));
      if (i == 0) {
        to_extended(q, cb);  // the result: callers may add to it
      } else {
        to_projective(q, cb);
      }
    } else {
      to_projective(q, ca);
    }
  }
  return q;
}

template <class F>
void double_scalarmult_encode(const uint8_t (*ax)[32], const uint8_t (*ay)[32],
                              const uint8_t (*k)[32], const uint8_t (*s)[32], uint8_t (*out)[32],
                              size_t n) {
  constexpr size_t L = F::kLanes;
  if (n == 0) return;
  if (n > L) n = L;
  const Point<F> q = double_scalarmult<F>(ax, ay, k, s, n);
  const auto zinv = invert<F>(q.Z);
  uint64_t x[L][5], y[L][5];
  F::to_fe51(x, F::mul(q.X, zinv));
  F::to_fe51(y, F::mul(q.Y, zinv));
  for (size_t i = 0; i < n; ++i) {
    uint8_t xb[32];
    fe51_to_bytes(xb, x[i]);
    fe51_to_bytes(out[i], y[i]);
    out[i][31] = static_cast<uint8_t>(out[i][31] | ((xb[0] & 1) << 7));
  }
}

// ZIP 215's single equation per lane i < n: ok[i] = 1 when
// [8]([s_i]B - [k_i]A_i - R_i) is the identity, R_i = (rx_i, ry_i) affine.
template <class F>
void zip215_equation(const uint8_t (*ax)[32], const uint8_t (*ay)[32], const uint8_t (*rx)[32],
                     const uint8_t (*ry)[32], const uint8_t (*k)[32], const uint8_t (*s)[32],
                     uint8_t* ok, size_t n) {
  constexpr size_t L = F::kLanes;
  if (n == 0) return;
  if (n > L) n = L;
  Point<F> q = double_scalarmult<F>(ax, ay, k, s, n);
  Point<F> r;  // -R: (-x, y)
  r.X = F::sub(F::constant(0), load_bytes<F>(rx, n, 0));
  r.Y = load_bytes<F>(ry, n, 1);
  r.Z = F::constant(1);
  r.T = F::mul(r.X, r.Y);
  to_projective(q, add(q, to_cached(r, broadcast_bytes<F>(kTwoD))));
  for (int d = 0; d < 3; ++d) to_projective(q, dbl(q));
  // The identity: X = 0 and Y = Z.
  uint8_t xb[L][32], yzb[L][32];
  to_bytes<F>(xb, q.X);
  to_bytes<F>(yzb, F::sub(q.Y, q.Z));
  static const uint8_t kZero[32] = {};
  for (size_t i = 0; i < n; ++i)
    ok[i] = std::memcmp(xb[i], kZero, 32) == 0 && std::memcmp(yzb[i], kZero, 32) == 0;
}

// The same over flat arrays (32 bytes per item), any n, a lane group at a
// time.
template <class F>
void zip215_equation_lanes(size_t n, const uint8_t* ax, const uint8_t* ay, const uint8_t* rx,
                           const uint8_t* ry, const uint8_t* k, const uint8_t* s, uint8_t* ok) {
  using Row = const uint8_t(*)[32];
  constexpr size_t L = F::kLanes;
  for (size_t at = 0; at < n; at += L) {
    const size_t o = 32 * at;
    zip215_equation<F>(reinterpret_cast<Row>(ax + o), reinterpret_cast<Row>(ay + o),
                       reinterpret_cast<Row>(rx + o), reinterpret_cast<Row>(ry + o),
                       reinterpret_cast<Row>(k + o), reinterpret_cast<Row>(s + o), ok + at,
                       n - at < L ? n - at : L);
  }
}

// Lane-parallel Straus multi-scalar multiplication: sum s_t P_t over the
// terms t < n plus b B (b null: no B term). Term t goes to lane t % L, slot
// t / L (B, if any, is term 0);
// every lane keeps its own sum, all lanes follow one schedule: per signed
// radix-16 window four doublings, then one table addition per slot (entry
// |digit|, negated for a negative digit, entry 0 the identity). Fixed
// windows rather than width-NAF keep every lane busy at every addition.
// Terms t >= n_long have scalars below 2^128: their digits above 32 are 0,
// so their slots skip the top windows. Slots run in chunks of kMsmChunk,
// each with its own doubling chain, so the tables stay in L2 at any n
// (64 measured 3-6% slower at batch 256, 2026-12-01).
// out[i] = lane i's sum as canonical X, Y, Z, T bytes (i < L).
inline constexpr size_t kMsmChunk = 32;

template <class F>
struct MsmScratch {
  Table<F, 9, F::kLanes> tables[kMsmChunk];
  alignas(64) int8_t digits[kMsmChunk][64][F::kLanes];
};

template <class F>
void msm(size_t n, size_t n_long, const uint64_t (*x)[5], const uint64_t (*y)[5],
         const uint8_t (*s)[32], const uint8_t b[32], uint8_t (*out)[4][32], MsmScratch<F>& ws) {
  constexpr size_t L = F::kLanes;
  using T = Table<F, 9, L>;
  static const uint64_t kIdentityX[5] = {0, 0, 0, 0, 0}, kIdentityY[5] = {1, 0, 0, 0, 0};
  uint64_t bx[5], by[5];
  fe51_from_bytes(bx, kBaseX);
  fe51_from_bytes(by, kBaseY);
  const size_t nb = b ? 1 : 0;  // B, when given, is term 0
  const size_t terms = n + nb;
  const size_t slots = (terms + L - 1) / L;
  const auto two_d = broadcast_bytes<F>(kTwoD);
  Point<F> total = identity<F>();
  for (size_t first = 0; first < slots; first += kMsmChunk) {
    const size_t count = slots - first < kMsmChunk ? slots - first : kMsmChunk;
    int top = 0;  // the highest window with a nonzero digit in this chunk
    for (size_t c = 0; c < count; ++c) {
      uint64_t lx[L][5], ly[L][5];
      for (size_t i = 0; i < L; ++i) {
        const size_t t = (first + c) * L + i;
        const bool is_b = nb == 1 && t == 0;
        const uint64_t* px = is_b ? bx : t < terms ? x[t - nb] : kIdentityX;
        const uint64_t* py = is_b ? by : t < terms ? y[t - nb] : kIdentityY;
        for (size_t m = 0; m < 5; ++m) lx[i][m] = px[m], ly[i][m] = py[m];
        int8_t d[64] = {};
        if (t < terms) recode_radix16(d, is_b ? b : s[t - nb]);
        for (int w = 0; w < 64; ++w) {
          ws.digits[c][w][i] = d[w];
          if (d[w] != 0 && w > top) top = w;
        }
      }
      Point<F> p;
      p.X = F::from_fe51(lx);
      p.Y = F::from_fe51(ly);
      p.Z = F::constant(1);
      p.T = F::mul(p.X, p.Y);
      put_multiples(ws.tables[c], p, two_d);
    }
    // Slots whose terms are all short have no digit above window 32.
    const size_t long_slots = n_long + nb <= first * L ? 0 : (n_long + nb - first * L + L - 1) / L;
    Point<F> acc = identity<F>();
    for (int w = top; w >= 0; --w) {
      if (w != top) {
        for (int d = 0; d < 3; ++d) to_projective(acc, dbl(acc));
        to_extended(acc, dbl(acc));
      }
      const size_t active = w > 32 && long_slots < count ? long_slots : count;
      for (size_t c = 0; c < active; ++c) {
        typename F::V idx, neg;
        F::digit_offsets(ws.digits[c][w], T::kEntryWords, idx, neg);
        const Completed<F> r = add(acc, ws.tables[c].get(idx, neg));
        if (c + 1 == active && w != 0) {
          to_projective(acc, r);  // a doubling comes next: T unused
        } else {
          to_extended(acc, r);
        }
      }
    }
    to_extended(total, add(total, to_cached(acc, two_d)));
  }
  uint8_t coords[4][L][32];
  to_bytes<F>(coords[0], total.X);
  to_bytes<F>(coords[1], total.Y);
  to_bytes<F>(coords[2], total.Z);
  to_bytes<F>(coords[3], total.T);
  for (size_t i = 0; i < L; ++i)
    for (size_t k = 0; k < 4; ++k) std::memcpy(out[i][k], coords[k][i], 32);
}

// Test hook body: per lane, the canonical encodings of a*b, a^2, a+b, a-b
// and 1/a (0 for a = 0), in that order.
template <class F>
void field_ops(const uint8_t (*a)[32], const uint8_t (*b)[32], uint8_t (*out)[5][32]) {
  constexpr size_t L = F::kLanes;
  const auto fa = load_bytes<F>(a, L, 0);
  const auto fb = load_bytes<F>(b, L, 0);
  const typename F::Fe r[5] = {F::mul(fa, fb), F::sqr(fa), F::add(fa, fb), F::sub(fa, fb),
                               invert<F>(fa)};
  for (size_t op = 0; op < 5; ++op) {
    uint64_t l[L][5];
    F::to_fe51(l, r[op]);
    for (size_t i = 0; i < L; ++i) fe51_to_bytes(out[i][op], l[i]);
  }
}

// Canonical bytes of every lane of x.
template <class F>
void to_bytes(uint8_t (*out)[32], const typename F::Fe& x) {
  uint64_t l[F::kLanes][5];
  F::to_fe51(l, x);
  for (size_t i = 0; i < F::kLanes; ++i) fe51_to_bytes(out[i], l[i]);
}

// RFC 8032 point decoding, lane by lane, with ZIP 215's leniency: y is the
// low 255 bits taken mod p (the caller checks canonicity if its rules ask),
// x = sqrt((y^2 - 1) / (d y^2 + 1)) with the parity of bit 255, and x = 0
// with bit 255 set decodes to x = 0. ok[i] = 0 where no square root exists
// (x, y then unspecified). x and y come out canonical.
template <class F>
void decode(const uint8_t (*enc)[32], uint8_t (*x)[32], uint8_t (*y)[32], uint8_t* ok, size_t n) {
  constexpr size_t L = F::kLanes;
  if (n == 0) return;
  if (n > L) n = L;
  const auto fy = load_bytes<F>(enc, n, 0);
  const auto one = F::constant(1);
  const auto yy = F::sqr(fy);
  const auto u = F::sub(yy, one);
  const auto v = F::add(F::mul(yy, broadcast_bytes<F>(kD)), one);
  // r = u v^3 (u v^7)^((p-5)/8); then v r^2 is u (r is a root), -u (r i
  // is), or neither (u / v is not a square).
  const auto v3 = F::mul(F::sqr(v), v);
  const auto v7 = F::mul(F::sqr(v3), v);
  const auto r = F::mul(F::mul(u, v3), pow_p58<F>(F::mul(u, v7)));
  const auto ri = F::mul(r, broadcast_bytes<F>(kSqrtM1));
  const auto zero = F::constant(0);
  uint8_t check[L][32], ub[L][32], nub[L][32], rb[L][32], nrb[L][32], rib[L][32], nrib[L][32];
  to_bytes<F>(check, F::mul(v, F::sqr(r)));
  to_bytes<F>(ub, u);
  to_bytes<F>(nub, F::sub(zero, u));
  to_bytes<F>(rb, r);
  to_bytes<F>(nrb, F::sub(zero, r));
  to_bytes<F>(rib, ri);
  to_bytes<F>(nrib, F::sub(zero, ri));
  uint8_t yb[L][32];
  to_bytes<F>(yb, fy);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t *pos, *neg;
    if (std::memcmp(check[i], ub[i], 32) == 0) {
      pos = rb[i];
      neg = nrb[i];
    } else if (std::memcmp(check[i], nub[i], 32) == 0) {
      pos = rib[i];
      neg = nrib[i];
    } else {
      ok[i] = 0;
      continue;
    }
    ok[i] = 1;
    const unsigned sign = enc[i][31] >> 7;
    // neg has the other parity, except for x = 0 where -0 = 0 is kept.
    std::memcpy(x[i], (pos[0] & 1) == sign ? pos : neg, 32);
    std::memcpy(y[i], yb[i], 32);
  }
}

}  // namespace
}  // namespace vigil::crypto::simd
