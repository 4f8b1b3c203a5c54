// The opencl driver: the kernel source built once per process for one
// device (through the binary cache), one in-order command queue with its own
// buffers per slot, so that with two slots a batch's copies overlap the
// other's kernel. Buffers are allocated for the largest batch at start and
// reused.
#pragma once

#include <memory>
#include <string>

#include "drivers/accel/accelerator.hpp"

namespace vigil::accel {

// sel as in make_accelerator's "opencl[:SEL]" (empty: the first GPU).
std::unique_ptr<Accelerator> make_opencl_accelerator(const std::string& sel, const Options& opts,
                                                     std::string* error);

// One line per OpenCL device: "index: platform / device (type)".
std::vector<std::string> list_opencl_devices();

}  // namespace vigil::accel
