// SpscRing: the bounded queue between two stages (one producer thread, one
// consumer thread). Lock-free, fixed capacity (a power of two), head and
// tail on their own cache lines, each side caching the other's index so
// that a burst costs one shared-line read, not one per item.
//
// Promise: never grows, never blocks; a push to a full ring fails, is
// counted in dropped(), and leaves the ring unchanged; items come out in
// the order they went in, each exactly once.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>

namespace vigil::batch {

inline constexpr size_t kCacheLine = 64;

template <typename T>
class SpscRing {
 public:
  // capacity is rounded up to a power of two (at least 2).
  explicit SpscRing(size_t capacity)
      : capacity_(std::bit_ceil(std::max<size_t>(capacity, 2))),
        mask_(capacity_ - 1),
        slots_(std::make_unique<T[]>(capacity_)) {}
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  // Producer side. False (and a counted drop) when full.
  bool push(const T& item) { return push_burst(std::span<const T>(&item, 1)) == 1; }
  // Pushes as many of `items` as fit, in order; the rest are counted as
  // dropped. Returns how many went in.
  size_t push_burst(std::span<const T> items) {
    const uint64_t tail = prod_.tail.load(std::memory_order_relaxed);
    if (tail + items.size() - prod_.head_cache > capacity_)
      prod_.head_cache = cons_.head.load(std::memory_order_acquire);
    const size_t room = capacity_ - size_t(tail - prod_.head_cache);
    const size_t n = std::min(room, items.size());
    for (size_t i = 0; i < n; ++i) slots_[(tail + i) & mask_] = items[i];
    prod_.tail.store(tail + n, std::memory_order_release);
    prod_.dropped.fetch_add(items.size() - n, std::memory_order_relaxed);
    return n;
  }

  // Consumer side. Pops up to out.size() items; returns how many.
  size_t pop_burst(std::span<T> out) {
    const uint64_t head = cons_.head.load(std::memory_order_relaxed);
    if (cons_.tail_cache - head < out.size())
      cons_.tail_cache = prod_.tail.load(std::memory_order_acquire);
    const size_t n = std::min(out.size(), size_t(cons_.tail_cache - head));
    for (size_t i = 0; i < n; ++i) out[i] = slots_[(head + i) & mask_];
    cons_.head.store(head + n, std::memory_order_release);
    return n;
  }
  bool pop(T& item) { return pop_burst(std::span<T>(&item, 1)) == 1; }

  size_t capacity() const { return capacity_; }
  // Approximate when the other side is running.
  size_t size() const {
    return size_t(prod_.tail.load(std::memory_order_acquire) -
                  cons_.head.load(std::memory_order_acquire));
  }
  uint64_t dropped() const { return prod_.dropped.load(std::memory_order_relaxed); }

 private:
  // Producer-owned line: its index, its view of the consumer's, its drops.
  struct alignas(kCacheLine) Producer {
    std::atomic<uint64_t> tail{0};
    uint64_t head_cache = 0;
    std::atomic<uint64_t> dropped{0};
  };
  struct alignas(kCacheLine) Consumer {
    std::atomic<uint64_t> head{0};
    uint64_t tail_cache = 0;
  };

  const size_t capacity_;
  const size_t mask_;
  std::unique_ptr<T[]> slots_;
  Producer prod_;
  Consumer cons_;
};

}  // namespace vigil::batch
