// The SHA-2 compression function written once over a vector type whose lanes
// are independent messages (multi-buffer hashing). Included only by the SIMD
// files (sha2_mb_avx2.cpp, sha2_mb_avx512.cpp), each with its own vector
// traits `V` declared in an anonymous namespace, so that every instantiation
// has internal linkage and code built for one ISA never stands in for
// another's at link time. V provides:
//   V::T                      the vector of kLanes words
//   V::kLanes
//   V::load(p), V::store(p,v) aligned vectors of words
//   V::set1(w), V::add(a,b)
//   V::xor3(a,b,c), V::ch(e,f,g), V::maj(a,b,c)
//   V::rotr<n>(x), V::shr<n>(x)
//   V::load_words(w, blocks)  w[i] = big-endian word i of every lane's block
#pragma once

#include "host/crypto/sha2_constants.hpp"

namespace vigil::crypto::sha2 {

// G groups of V::kLanes lanes per step (kWidth lanes in all).
template <class V, class Shape, int G = 1>
struct Sha2Lanes {
  using T = typename V::T;
  using Word = typename Shape::Word;
  static constexpr int kWidth = G * V::kLanes;

  static T big0(T x) {
    return V::xor3(V::template rotr<Shape::kBig0[0]>(x), V::template rotr<Shape::kBig0[1]>(x),
                   V::template rotr<Shape::kBig0[2]>(x));
  }
  static T big1(T x) {
    return V::xor3(V::template rotr<Shape::kBig1[0]>(x), V::template rotr<Shape::kBig1[1]>(x),
                   V::template rotr<Shape::kBig1[2]>(x));
  }
  static T small0(T x) {
    return V::xor3(V::template rotr<Shape::kSmall0[0]>(x), V::template rotr<Shape::kSmall0[1]>(x),
                   V::template shr<Shape::kSmall0[2]>(x));
  }
  static T small1(T x) {
    return V::xor3(V::template rotr<Shape::kSmall1[0]>(x), V::template rotr<Shape::kSmall1[1]>(x),
                   V::template shr<Shape::kSmall1[2]>(x));
  }

  static void round(T s[8], int i, T kw) {
    const int a = (64 - i) & 7;  // s[] rotates instead of its values: s[a] is this round's a
    T& sa = s[a];
    T& sb = s[(a + 1) & 7];
    T& sc = s[(a + 2) & 7];
    T& sd = s[(a + 3) & 7];
    T& se = s[(a + 4) & 7];
    T& sf = s[(a + 5) & 7];
    T& sg = s[(a + 6) & 7];
    T& sh = s[(a + 7) & 7];
    T t1 = V::add(V::add(sh, big1(se)), V::add(V::ch(se, sf, sg), kw));
    T t2 = V::add(big0(sa), V::maj(sa, sb, sc));
    sd = V::add(sd, t1);
    sh = V::add(t1, t2);
  }

  // kw[i] = K[i] + W[i] for the block whose first 16 words are w.
  static void schedule(T w[16], T* kw) {
#pragma GCC unroll 80
    for (int i = 0; i < Shape::kRounds; ++i) {
      if (i >= 16) {
        w[i & 15] = V::add(V::add(w[i & 15], small0(w[(i + 1) & 15])),
                           V::add(w[(i + 9) & 15], small1(w[(i + 14) & 15])));
      }
      kw[i] = V::add(V::set1(Shape::kK[i]), w[i & 15]);
    }
  }

  // The rounds of G groups side by side: one group's rounds are a serial
  // chain (about 5 cycles each), so a second group in flight fills the idle
  // SIMD ports. KW(g, i) gives group g's K[i] + W[i].
  template <class KW>
  static void rounds(Word* state, KW&& kw) {
    T s[G][8];
    for (int g = 0; g < G; ++g)
      for (int i = 0; i < 8; ++i) s[g][i] = V::load(at(state, g, i));
#pragma GCC unroll 80
    for (int i = 0; i < Shape::kRounds; ++i)
      for (int g = 0; g < G; ++g) round(s[g], i, kw(g, i));
    for (int g = 0; g < G; ++g)
      for (int i = 0; i < 8; ++i)
        V::store(at(state, g, i), V::add(V::load(at(state, g, i)), s[g][i]));
  }

  // One block per lane; state is word-major (state[w * kWidth + lane]).
  static void compress(Word* state, const uint8_t* const* blocks) {
    T kw[G][Shape::kRounds];
    for (int g = 0; g < G; ++g) {
      T w[16];
      V::load_words(w, blocks + g * V::kLanes);
      schedule(w, kw[g]);
    }
    rounds(state, [&](int g, int i) { return kw[g][i]; });
  }

  // One block that is the same in every lane, given as its message schedule
  // plus the round constants (kw[i] = K[i] + W[i]): a padding-only block.
  static void compress_kw(Word* state, const Word* kw) {
    rounds(state, [&](int, int i) { return V::set1(kw[i]); });
  }

 private:
  static Word* at(Word* state, int g, int w) {
    return state + w * kWidth + g * V::kLanes;
  }
};

}  // namespace vigil::crypto::sha2
