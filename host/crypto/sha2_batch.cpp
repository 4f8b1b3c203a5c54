// Many messages per call. On the multi-buffer paths each SIMD lane carries
// one message: a step compresses one block of every lane, a lane whose
// message is done takes the next one, and when the queue is empty the last
// few messages finish on the single-message path (a mostly idle step costs
// as much as a full one). Blocks inside a message's last part are read in
// place; the others (shared with earlier parts, or holding the padding) are
// assembled in a per-lane buffer.
#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdint>
#include <cstring>

#include "host/crypto/sha2.hpp"
#include "host/crypto/sha2_constants.hpp"
#include "host/crypto/sha2_md.hpp"
#include "host/crypto/sha2_paths.hpp"

namespace vigil::crypto {
namespace sha2 {
namespace {

// dst[0, n) = src[0, n) for 0 < n <= 128 in 16-, 8-, 4- and 1-byte moves
// that the compiler inlines (a libc memcpy call per piece cost the Merkle
// levels ~10%).
inline void copy_short(uint8_t* dst, const uint8_t* src, size_t n) {
  if (n >= 16) {
    for (size_t i = 0; i + 16 <= n; i += 16) std::memcpy(dst + i, src + i, 16);
    std::memcpy(dst + n - 16, src + n - 16, 16);  // the rest, overlapping
  } else if (n >= 8) {
    std::memcpy(dst, src, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else if (n >= 4) {
    std::memcpy(dst, src, 4);
    std::memcpy(dst + n - 4, src + n - 4, 4);
  } else {
    for (size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

// One message (the concatenation of `nparts` spans) as its padded blocks,
// addressed by index: a block lying whole inside the last part is read in
// place; the others (those shared with earlier parts, and the one or two
// that hold the padding) are assembled on demand.
template <size_t kBlock, size_t kLenBytes>
class Message {
 public:
  void start(const Bytes* parts, size_t nparts) {
    // Locals first: a store to a member could alias parts[i].size() and
    // would be reloaded on every part.
    uint64_t prefix = 0;
    for (size_t i = 0; i + 1 < nparts; ++i) prefix += parts[i].size();
    const uint64_t total = prefix + (nparts > 0 ? parts[nparts - 1].size() : 0);
    parts_ = parts;
    nparts_ = nparts;
    total_ = total;
    prefix_ = prefix;
    blocks_ = (total + 1 + kLenBytes + kBlock - 1) / kBlock;
    first_ = (prefix + kBlock - 1) / kBlock;
    end_ = std::max<size_t>(first_, total / kBlock);
  }

  size_t blocks() const { return blocks_; }
  uint64_t total() const { return total_; }

  // In-place blocks from k on: their count (0 when block k is assembled).
  size_t run(size_t k) const { return k >= first_ && k < end_ ? end_ - k : 0; }

  // Block k: in place, or assembled in buf (kBlock bytes).
  const uint8_t* block(size_t k, uint8_t* buf) const {
    if (run(k) > 0) return parts_[nparts_ - 1].data() + (k * kBlock - prefix_);
    assemble(k, buf);
    return buf;
  }

  // The final block holds padding only (no message byte): its content, and
  // so its schedule, depends on total() alone.
  bool padding_only(size_t k) const { return k + 1 == blocks_ && k * kBlock >= total_; }

 private:
  [[gnu::noinline]] void assemble(size_t k, uint8_t* buf) const {
    const uint64_t lo = uint64_t{k} * kBlock, hi = lo + kBlock;
    std::memset(buf, 0, kBlock);
    uint64_t at = 0;  // offset of part i in the message
    for (size_t i = 0; i < nparts_ && at < hi; at += parts_[i++].size()) {
      const uint64_t from = std::max(at, lo), to = std::min(at + parts_[i].size(), hi);
      if (from < to) copy_short(buf + (from - lo), parts_[i].data() + (from - at), to - from);
    }
    if (total_ >= lo && total_ < hi) buf[total_ - lo] = 0x80;
    if (k + 1 == blocks_) store_be<uint64_t>(buf + kBlock - 8, total_ * 8);
  }

  const Bytes* parts_ = nullptr;
  size_t nparts_ = 0;
  uint64_t total_ = 0;
  uint64_t prefix_ = 0;  // bytes before the last part
  size_t blocks_ = 0;    // padding included
  size_t first_ = 0;     // blocks [first_, end_) lie inside the last part
  size_t end_ = 0;
};

template <class ShapeT, size_t kLenBytesT, const typename ShapeT::Word* kInitT>
struct Alg {
  using Shape = ShapeT;
  using Word = typename Shape::Word;
  static constexpr size_t kBlock = 16 * sizeof(Word);
  static constexpr size_t kDigest = 8 * sizeof(Word);
  static constexpr const Word* kInit = kInitT;
  using Msg = Message<kBlock, kLenBytesT>;
  using Single = void (*)(Word* state, const uint8_t* blocks, size_t count);
  using Multi = void (*)(Word* state, const uint8_t* const* blocks);
  using MultiKw = void (*)(Word* state, const Word* kw);
};
using Alg256 = Alg<Sha256Shape, 8, kSha256Init>;
using Alg512 = Alg<Sha512Shape, 16, kSha512Init>;

template <class A>
void emit(const typename A::Word* state, size_t stride, uint8_t* out) {
  for (size_t w = 0; w < 8; ++w)
    store_be<typename A::Word>(out + w * sizeof(typename A::Word), state[w * stride]);
}

// Blocks k.. of `msg` on the single-buffer compression function.
template <class A>
void finish_one(const typename A::Msg& msg, size_t k, typename A::Word* s,
                typename A::Single single) {
  alignas(64) uint8_t buf[A::kBlock];
  while (k < msg.blocks()) {
    const size_t n = std::max<size_t>(1, msg.run(k));
    single(s, msg.block(k, buf), n);
    k += n;
  }
}

template <class A>
void hash_single(const Bytes* parts, size_t nparts, size_t count, uint8_t* out,
                 typename A::Single single) {
  typename A::Msg msg;
  for (size_t i = 0; i < count; ++i) {
    msg.start(parts + i * nparts, nparts);
    typename A::Word s[8];
    std::copy(A::kInit, A::kInit + 8, s);
    finish_one<A>(msg, 0, s, single);
    emit<A>(s, 1, out + i * A::kDigest);
  }
}

// K[i] + W[i] of the padding-only final block of a `total`-byte message.
template <class A>
void padding_schedule(uint64_t total, typename A::Word* kw) {
  using Word = typename A::Word;
  using S = typename A::Shape;
  alignas(64) uint8_t block[A::kBlock] = {};
  if (total % A::kBlock == 0) block[0] = 0x80;
  store_be<uint64_t>(block + A::kBlock - 8, total * 8);
  Word w[S::kRounds];
  for (int i = 0; i < 16; ++i) w[i] = load_be<Word>(block + i * sizeof(Word));
  for (int i = 16; i < S::kRounds; ++i) {
    const Word x = w[i - 15], y = w[i - 2];
    const Word s0 =
        std::rotr(x, S::kSmall0[0]) ^ std::rotr(x, S::kSmall0[1]) ^ (x >> S::kSmall0[2]);
    const Word s1 =
        std::rotr(y, S::kSmall1[0]) ^ std::rotr(y, S::kSmall1[1]) ^ (y >> S::kSmall1[2]);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  for (int i = 0; i < S::kRounds; ++i) kw[i] = S::kK[i] + w[i];
}

// `min_active`: below this many busy lanes (with no message left to admit)
// a step is not worth it and the rest finish one at a time on `single`.
// A step in which every busy lane is at the padding-only final block of a
// message of one same length (a batch of equal lengths: 64- or 256-byte
// SHA-256 messages, 256-byte SHA-512 ones) runs on that block's precomputed
// schedule, about 2/3 of a step's work.
template <class A, size_t kLanes>
void hash_lanes(const Bytes* parts, size_t nparts, size_t count, uint8_t* out,
                typename A::Multi multi, typename A::MultiKw multi_kw, typename A::Single single,
                size_t min_active) {
  using Word = typename A::Word;
  alignas(64) static constexpr uint8_t kIdle[A::kBlock] = {};
  alignas(64) Word state[8 * kLanes];
  alignas(64) uint8_t bufs[kLanes][A::kBlock];
  alignas(64) Word kw[A::Shape::kRounds];
  uint64_t kw_total = UINT64_MAX;  // the length kw was computed for
  typename A::Msg msgs[kLanes];
  size_t item[kLanes];
  size_t at[kLanes];  // next block of each lane's message
  bool busy[kLanes];
  const uint8_t* blocks[kLanes];
  size_t next = 0, nbusy = 0;

  auto admit = [&](size_t l) {
    busy[l] = next < count;
    if (!busy[l]) return;
    msgs[l].start(parts + next * nparts, nparts);
    item[l] = next++;
    at[l] = 0;
    ++nbusy;
    for (size_t w = 0; w < 8; ++w) state[w * kLanes + l] = A::kInit[w];
  };
  for (size_t l = 0; l < kLanes; ++l) admit(l);

  while (nbusy > 0 && (nbusy >= min_active || next < count)) {
    bool shared_padding = true;
    uint64_t total = UINT64_MAX;
    for (size_t l = 0; l < kLanes && shared_padding; ++l) {
      if (!busy[l]) continue;
      shared_padding =
          msgs[l].padding_only(at[l]) && (total == UINT64_MAX || total == msgs[l].total());
      total = msgs[l].total();
    }
    if (shared_padding) {
      if (kw_total != total) padding_schedule<A>(kw_total = total, kw);
      multi_kw(state, kw);
    } else {
      for (size_t l = 0; l < kLanes; ++l)
        blocks[l] = busy[l] ? msgs[l].block(at[l], bufs[l]) : kIdle;
      multi(state, blocks);
    }
    for (size_t l = 0; l < kLanes; ++l) {
      if (busy[l] && ++at[l] == msgs[l].blocks()) {
        emit<A>(state + l, kLanes, out + item[l] * A::kDigest);
        --nbusy;
        admit(l);
      }
    }
  }
  for (size_t l = 0; l < kLanes; ++l) {
    if (!busy[l]) continue;
    Word s[8];
    for (size_t w = 0; w < 8; ++w) s[w] = state[w * kLanes + l];
    finish_one<A>(msgs[l], at[l], s, single);
    emit<A>(s, 1, out + item[l] * A::kDigest);
  }
}

}  // namespace

// Stragglers: a multi-buffer step costs about as much as this many blocks on
// the single-message path, so with fewer busy lanes than that the rest
// finish one at a time. Measured per block against OpenSSL (the same code as
// shani and libcrypto) on the 2026-12-01 EPYC, one core: a 32-lane AVX-512
// SHA-256 step ~ 32 / 2.7 = 12 SHA-NI blocks (~3 portable ones); a 16-lane
// AVX-512 SHA-512 step ~ 16 / 4.0 = 4 libcrypto blocks. From the 2026-11-25
// Xeon: an 8-lane AVX2 SHA-256 step ~ 9 SHA-NI blocks; a 4-lane AVX2 SHA-512
// step ~ 4 / 1.4 = 3 libcrypto blocks.
void sha256_many(const Bytes* parts, size_t nparts, size_t count, uint8_t* out) {
  const Paths paths = current_paths();
  const bool shani = paths.single256 == Path::shani;
  switch (paths.batch256) {
#if defined(__x86_64__)
    case Path::avx512:
      return hash_lanes<Alg256, 32>(parts, nparts, count, out, sha256_x32_avx512,
                                    sha256_x32_avx512_kw, sha256_compress_single, shani ? 12 : 3);
    case Path::avx2:
      return hash_lanes<Alg256, 8>(parts, nparts, count, out, sha256_x8_avx2, sha256_x8_avx2_kw,
                                   sha256_compress_single, shani ? 9 : 3);
#endif
    default:
      return hash_single<Alg256>(parts, nparts, count, out, sha256_compress_single);
  }
}

void sha512_many(const Bytes* parts, size_t nparts, size_t count, uint8_t* out) {
  switch (current_paths().batch512) {
#if defined(__x86_64__)
    case Path::avx512:
      return hash_lanes<Alg512, 16>(parts, nparts, count, out, sha512_x16_avx512,
                                    sha512_x16_avx512_kw, sha512_compress_single, 4);
    case Path::avx2:
      return hash_lanes<Alg512, 4>(parts, nparts, count, out, sha512_x4_avx2, sha512_x4_avx2_kw,
                                   sha512_compress_single, 3);
#endif
    default:
      return hash_single<Alg512>(parts, nparts, count, out, sha512_compress_single);
  }
}

}  // namespace sha2

static_assert(sizeof(std::array<Bytes, 3>) == 3 * sizeof(Bytes));

void sha256_batch(std::span<const Bytes> messages, std::span<Hash256> out) {
  assert(out.size() == messages.size());
  sha2::sha256_many(messages.data(), 1, std::min(messages.size(), out.size()),
                    reinterpret_cast<uint8_t*>(out.data()));
}

void sha512_batch(std::span<const Bytes> messages, std::span<Hash512> out) {
  assert(out.size() == messages.size());
  sha2::sha512_many(messages.data(), 1, std::min(messages.size(), out.size()),
                    reinterpret_cast<uint8_t*>(out.data()));
}

void sha256_batch3(std::span<const std::array<Bytes, 3>> parts, std::span<Hash256> out) {
  assert(out.size() == parts.size());
  sha2::sha256_many(reinterpret_cast<const Bytes*>(parts.data()), 3,
                    std::min(parts.size(), out.size()), reinterpret_cast<uint8_t*>(out.data()));
}

void sha512_batch3(std::span<const std::array<Bytes, 3>> parts, std::span<Hash512> out) {
  assert(out.size() == parts.size());
  sha2::sha512_many(reinterpret_cast<const Bytes*>(parts.data()), 3,
                    std::min(parts.size(), out.size()), reinterpret_cast<uint8_t*>(out.data()));
}

}  // namespace vigil::crypto
