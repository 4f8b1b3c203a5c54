// A page-aligned buffer on one NUMA node (libnuma), so a tile's rings and
// batches sit next to the core that touches them. Allocated at start, never
// on the hot path; freed by the destructor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace vigil::affinity {

class NumaBuffer {
 public:
  NumaBuffer() = default;
  // `node` < 0, or a machine without NUMA, gives ordinary page-aligned memory.
  // A failed allocation leaves the buffer empty (data() == nullptr).
  NumaBuffer(size_t bytes, int node);
  ~NumaBuffer();
  NumaBuffer(NumaBuffer&& other) noexcept;
  NumaBuffer& operator=(NumaBuffer&& other) noexcept;
  NumaBuffer(const NumaBuffer&) = delete;
  NumaBuffer& operator=(const NumaBuffer&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<uint8_t> bytes() const { return {data_, size_}; }
  // The node it was bound to, -1 for ordinary memory.
  int node() const { return node_; }

 private:
  void release();
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  int node_ = -1;
};

// True when the kernel and libnuma report NUMA support.
bool numa_supported();

// The node that holds the page at `p` (touched already), or -1 if unknown.
int node_of_address(const void* p);

}  // namespace vigil::affinity
