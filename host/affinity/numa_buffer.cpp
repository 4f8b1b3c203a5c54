#include "host/affinity/numa_buffer.hpp"

#include <numa.h>
#include <numaif.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace vigil::affinity {
namespace {

constexpr size_t kPage = 4096;

size_t round_up(size_t n) {
  return (n + kPage - 1) / kPage * kPage;
}

}  // namespace

bool numa_supported() {
  return numa_available() >= 0;
}

NumaBuffer::NumaBuffer(size_t bytes, int node) {
  if (bytes == 0) return;
  if (node >= 0 && numa_supported() && node <= numa_max_node()) {
    // numa_alloc_onnode binds the pages to the node (mbind), page-aligned.
    data_ = static_cast<uint8_t*>(numa_alloc_onnode(bytes, node));
    if (data_) node_ = node;
  } else {
    data_ = static_cast<uint8_t*>(std::aligned_alloc(kPage, round_up(bytes)));
  }
  if (!data_) return;
  size_ = bytes;
  // Fault every page in now, at start, rather than on the hot path.
  std::memset(data_, 0, size_);
}

NumaBuffer::~NumaBuffer() {
  release();
}

NumaBuffer::NumaBuffer(NumaBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      node_(std::exchange(other.node_, -1)) {}

NumaBuffer& NumaBuffer::operator=(NumaBuffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    node_ = std::exchange(other.node_, -1);
  }
  return *this;
}

void NumaBuffer::release() {
  if (!data_) return;
  if (node_ >= 0) {
    numa_free(data_, size_);
  } else {
    std::free(data_);
  }
  data_ = nullptr;
  size_ = 0;
  node_ = -1;
}

int node_of_address(const void* p) {
  int node = -1;
  if (get_mempolicy(&node, nullptr, 0, const_cast<void*>(p), MPOL_F_NODE | MPOL_F_ADDR) != 0) {
    return -1;
  }
  return node;
}

}  // namespace vigil::affinity
