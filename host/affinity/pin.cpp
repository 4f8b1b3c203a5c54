#include "host/affinity/pin.hpp"

#include <pthread.h>
#include <sched.h>

#include <cstring>

namespace vigil::affinity {

bool pin_this_thread(int cpu, std::string* error) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) {
    if (error) *error = "cpu " + std::to_string(cpu) + " is out of range";
    return false;
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  const int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  if (rc != 0) {
    if (error) *error = "pinning to cpu " + std::to_string(cpu) + ": " + std::strerror(rc);
    return false;
  }
  return true;
}

}  // namespace vigil::affinity
