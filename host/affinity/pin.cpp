#include "host/affinity/pin.hpp"

#include <pthread.h>
#include <sched.h>

#include <cstring>

namespace vigil::affinity {
namespace {

bool pin_native(pthread_t thread, int cpu, std::string* error) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) {
    if (error) *error = "cpu " + std::to_string(cpu) + " is out of range";
    return false;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  const int rc = pthread_setaffinity_np(thread, sizeof set, &set);
  if (rc != 0) {
    if (error) *error = "pinning to cpu " + std::to_string(cpu) + ": " + std::strerror(rc);
    return false;
  }
  return true;
}

}  // namespace

bool pin_this_thread(int cpu, std::string* error) {
  return pin_native(pthread_self(), cpu, error);
}

bool pin_thread(std::thread& thread, int cpu, std::string* error) {
  return pin_native(thread.native_handle(), cpu, error);
}

bool apply_plan(const TilePlan& plan, std::span<const TileThread> threads,
                std::vector<std::string>* notes, std::string* error) {
  for (const auto& w : plan.warnings) notes->push_back(w);
  for (const TilePin& pin : plan.pins) {
    const std::string key = "tiles." + pin.tile + "[" + std::to_string(pin.index) + "]";
    std::thread* t = nullptr;
    for (const TileThread& tt : threads) {
      if (tt.tile == pin.tile && pin.index == 0) t = tt.thread;
    }
    if (t == nullptr) {
      std::string have;
      for (const TileThread& tt : threads)
        have += (have.empty() ? "" : ", ") + std::string(tt.tile);
      notes->push_back(key + ": no thread of its own here (tile threads: " + have + "); cpu " +
                       std::to_string(pin.cpu) + " left unused");
      continue;
    }
    std::string why;
    if (!pin_thread(*t, pin.cpu, &why)) {
      *error = key + ": " + why;
      return false;
    }
    notes->push_back("tile " + pin.tile + " pinned to cpu " + std::to_string(pin.cpu) +
                     (pin.node >= 0 ? " (NUMA node " + std::to_string(pin.node) + ")" : ""));
  }
  return true;
}

}  // namespace vigil::affinity
