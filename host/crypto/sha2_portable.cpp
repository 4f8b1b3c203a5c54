// Portable SHA-2 compression: the lane template of sha2_lanes.hpp with one
// lane of plain 32/64-bit integers, so that the scalar and the SIMD code are
// the same rounds written once.
#include <bit>

#include "host/crypto/sha2_lanes.hpp"
#include "host/crypto/sha2_md.hpp"
#include "host/crypto/sha2_paths.hpp"

namespace vigil::crypto::sha2 {
namespace {

template <class Word>
struct Scalar {
  using T = Word;
  static constexpr int kLanes = 1;
  static T load(const Word* p) { return *p; }
  static void store(Word* p, T v) { *p = v; }
  static T set1(Word w) { return w; }
  static T add(T a, T b) { return a + b; }
  static T xor3(T a, T b, T c) { return a ^ b ^ c; }
  static T ch(T e, T f, T g) { return (e & f) ^ (~e & g); }
  static T maj(T a, T b, T c) { return (a & b) ^ (a & c) ^ (b & c); }
  template <int n>
  static T rotr(T x) {
    return std::rotr(x, n);
  }
  template <int n>
  static T shr(T x) {
    return x >> n;
  }
  static void load_words(T w[16], const uint8_t* const* blocks) {
    for (int i = 0; i < 16; ++i) w[i] = load_be<Word>(blocks[0] + sizeof(Word) * i);
  }
};

template <class Shape>
void compress_blocks(typename Shape::Word state[8], const uint8_t* blocks, size_t count) {
  constexpr size_t kBlock = 16 * sizeof(typename Shape::Word);
  for (; count > 0; --count, blocks += kBlock) {
    Sha2Lanes<Scalar<typename Shape::Word>, Shape>::compress(state, &blocks);
  }
}

}  // namespace

void sha256_compress_portable(uint32_t state[8], const uint8_t* blocks, size_t count) {
  compress_blocks<Sha256Shape>(state, blocks, count);
}

void sha512_compress_portable(uint64_t state[8], const uint8_t* blocks, size_t count) {
  compress_blocks<Sha512Shape>(state, blocks, count);
}

}  // namespace vigil::crypto::sha2
