// The cpu driver: the CPU engine (host/crypto) on a pool of worker threads
// behind the bounded queue. Its "device" is the CPU itself, so an injected
// fault exercises the same fallback path the GPU drivers take.
#pragma once

#include <memory>

#include "drivers/accel/accelerator.hpp"

namespace vigil::accel {

std::unique_ptr<Accelerator> make_cpu_accelerator(const Options& opts);

}  // namespace vigil::accel
