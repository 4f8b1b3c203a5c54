// Many messages per call. On the multi-buffer paths each SIMD lane carries
// one message: a step compresses one block of every lane, a lane whose
// message is done takes the next one, and when the queue is empty the last
// few messages finish on the single-message path (a mostly idle step costs
// as much as a full one). Inputs are read in place; only blocks that straddle
// two parts or hold the padding are assembled in a per-lane buffer.
#include <algorithm>
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

// Walks the concatenation of `nparts` spans as padded blocks.
template <size_t kBlock, size_t kLenBytes>
class Feed {
 public:
  void start(const Bytes* parts, size_t nparts) {
    parts_ = parts;
    nparts_ = nparts;
    part_ = 0;
    off_ = 0;
    total_ = 0;
    for (size_t i = 0; i < nparts; ++i) total_ += parts[i].size();
    left_ = total_;
    blocks_ = (total_ + 1 + kLenBytes + kBlock - 1) / kBlock;
    marked_ = false;
  }

  size_t blocks_left() const { return blocks_; }

  // Returns the next *n (1 <= *n <= max) blocks: in place when they lie
  // whole inside one part, else one block assembled in buf_.
  const uint8_t* next(size_t max, size_t* n) {
    while (part_ < nparts_ && off_ == parts_[part_].size()) {
      ++part_;
      off_ = 0;
    }
    if (left_ >= kBlock && parts_[part_].size() - off_ >= kBlock) {
      size_t run = std::min(max, (parts_[part_].size() - off_) / kBlock);
      const uint8_t* p = parts_[part_].data() + off_;
      off_ += run * kBlock;
      left_ -= run * kBlock;
      blocks_ -= run;
      *n = run;
      return p;
    }
    size_t pos = 0;
    while (pos < kBlock && left_ > 0) {
      while (off_ == parts_[part_].size()) {
        ++part_;
        off_ = 0;
      }
      size_t take = std::min(kBlock - pos, parts_[part_].size() - off_);
      std::memcpy(buf_ + pos, parts_[part_].data() + off_, take);
      pos += take;
      off_ += take;
      left_ -= take;
    }
    if (pos < kBlock && !marked_) {
      buf_[pos++] = 0x80;
      marked_ = true;
    }
    std::memset(buf_ + pos, 0, kBlock - pos);
    if (--blocks_ == 0) store_be<uint64_t>(buf_ + kBlock - 8, total_ * 8);
    *n = 1;
    return buf_;
  }

 private:
  const Bytes* parts_ = nullptr;
  size_t nparts_ = 0;
  size_t part_ = 0;
  size_t off_ = 0;
  uint64_t total_ = 0;
  uint64_t left_ = 0;  // message bytes not yet handed out
  size_t blocks_ = 0;  // blocks not yet handed out, padding included
  bool marked_ = false;
  alignas(64) uint8_t buf_[kBlock];
};

template <class WordT, size_t kBlockT, size_t kLenBytesT, const WordT* kInitT>
struct Alg {
  using Word = WordT;
  static constexpr size_t kBlock = kBlockT;
  static constexpr size_t kDigest = 8 * sizeof(Word);
  static constexpr const Word* kInit = kInitT;
  using FeedT = Feed<kBlockT, kLenBytesT>;
  using Single = void (*)(Word* state, const uint8_t* blocks, size_t count);
  using Multi = void (*)(Word* state, const uint8_t* const* blocks);
};
using Alg256 = Alg<uint32_t, 64, 8, kSha256Init>;
using Alg512 = Alg<uint64_t, 128, 16, kSha512Init>;

template <class A>
void emit(const typename A::Word* state, size_t stride, uint8_t* out) {
  for (size_t w = 0; w < 8; ++w)
    store_be<typename A::Word>(out + w * sizeof(typename A::Word), state[w * stride]);
}

// One message on the single-buffer compression function.
template <class A>
void hash_one(typename A::FeedT& feed, typename A::Single single, uint8_t* out) {
  typename A::Word s[8];
  std::copy(A::kInit, A::kInit + 8, s);
  while (feed.blocks_left() > 0) {
    size_t n;
    const uint8_t* p = feed.next(SIZE_MAX, &n);
    single(s, p, n);
  }
  emit<A>(s, 1, out);
}

template <class A>
void hash_single(const Bytes* parts, size_t nparts, size_t count, uint8_t* out,
                 typename A::Single single) {
  typename A::FeedT feed;
  for (size_t i = 0; i < count; ++i) {
    feed.start(parts + i * nparts, nparts);
    hash_one<A>(feed, single, out + i * A::kDigest);
  }
}

// `min_active`: below this many busy lanes (with no message left to admit)
// a step is not worth it and the rest finish one at a time on `single`.
template <class A, size_t kLanes>
void hash_lanes(const Bytes* parts, size_t nparts, size_t count, uint8_t* out,
                typename A::Multi multi, typename A::Single single, size_t min_active) {
  using Word = typename A::Word;
  alignas(64) static constexpr uint8_t kIdle[A::kBlock] = {};
  alignas(64) Word state[8 * kLanes];
  typename A::FeedT feeds[kLanes];
  size_t item[kLanes];
  bool busy[kLanes];
  const uint8_t* blocks[kLanes];
  size_t next = 0, nbusy = 0;

  auto admit = [&](size_t l) {
    busy[l] = next < count;
    if (!busy[l]) return;
    feeds[l].start(parts + next * nparts, nparts);
    item[l] = next++;
    ++nbusy;
    for (size_t w = 0; w < 8; ++w) state[w * kLanes + l] = A::kInit[w];
  };
  for (size_t l = 0; l < kLanes; ++l) admit(l);

  while (nbusy > 0 && (nbusy >= min_active || next < count)) {
    size_t one;
    for (size_t l = 0; l < kLanes; ++l) blocks[l] = busy[l] ? feeds[l].next(1, &one) : kIdle;
    multi(state, blocks);
    for (size_t l = 0; l < kLanes; ++l) {
      if (busy[l] && feeds[l].blocks_left() == 0) {
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
    while (feeds[l].blocks_left() > 0) {
      size_t n;
      const uint8_t* p = feeds[l].next(SIZE_MAX, &n);
      single(s, p, n);
    }
    emit<A>(s, 1, out + item[l] * A::kDigest);
  }
}

}  // namespace

// Stragglers: a multi-buffer step costs about as much as this many blocks on
// the single-message path (`vigil bench hash`, Xeon with AVX-512 and SHA-NI:
// a 16-lane AVX-512 SHA-256 step ~ 9 SHA-NI blocks ~ 2.5 portable ones; an
// 8-lane AVX-512 or 4-lane AVX2 SHA-512 step ~ 1.8 portable blocks), so with
// fewer busy lanes than that the rest finish one at a time.
void sha256_many(const Bytes* parts, size_t nparts, size_t count, uint8_t* out) {
  const Paths paths = current_paths();
  const bool shani = paths.single256 == Path::shani;
  switch (paths.batch256) {
#if defined(__x86_64__)
    case Path::avx512:
      return hash_lanes<Alg256, 16>(parts, nparts, count, out, sha256_x16_avx512,
                                    sha256_compress_single, shani ? 9 : 3);
    case Path::avx2:
      return hash_lanes<Alg256, 8>(parts, nparts, count, out, sha256_x8_avx2,
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
      return hash_lanes<Alg512, 8>(parts, nparts, count, out, sha512_x8_avx512,
                                   sha512_compress_portable, 2);
    case Path::avx2:
      return hash_lanes<Alg512, 4>(parts, nparts, count, out, sha512_x4_avx2,
                                   sha512_compress_portable, 2);
#endif
    default:
      return hash_single<Alg512>(parts, nparts, count, out, sha512_compress_portable);
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
