// How a tile waits when it found no work: `busy` spins (a pinned core on
// validator hardware); `adaptive` spins a little, then yields, then sleeps
// in growing steps up to max_sleep_us (shared machines: an idle tile costs
// next to nothing). reset() after every burst of work.
#pragma once

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <thread>

#include "host/config/config.hpp"

namespace vigil::node {

class Idler {
 public:
  explicit Idler(config::Idle mode, uint32_t max_sleep_us = 1000)
      : mode_(mode), max_sleep_us_(max_sleep_us) {}
  void reset() { idle_ = 0; }
  void wait() {
    ++idle_;
    if (mode_ == config::Idle::busy || idle_ < 64) {
      __builtin_ia32_pause();
      return;
    }
    if (idle_ < 128) {
      sched_yield();
      return;
    }
    const uint32_t us =
        std::min<uint32_t>(max_sleep_us_, 1u << std::min<uint32_t>(idle_ - 128, 10));
    std::this_thread::sleep_for(std::chrono::microseconds(us));
  }

 private:
  config::Idle mode_;
  uint32_t max_sleep_us_;
  uint32_t idle_ = 0;
};

}  // namespace vigil::node
