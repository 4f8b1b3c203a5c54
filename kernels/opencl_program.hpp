// Builds the kernel source (vigil_kernels.cl) for one OpenCL device, once:
// the first build's binary is stored in a cache folder under a key made of
// the bytes of every kernel and contract header, the device, the driver
// version and the build options, so a later process loads it in
// milliseconds instead of compiling (PoCL's cold build of the verify kernel
// takes seconds). A stale or unreadable cache entry is rebuilt, never used.
#pragma once

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include <string>

#include "kernels/variant.hpp"

namespace vigil::kernels {

// Where the kernel sources are read at run time: $VIGIL_KERNELS_DIR, else
// the source tree this binary was built from.
std::string kernels_dir();
// The contract headers' include root: $VIGIL_CONTRACT_DIR, else the tree's.
std::string contract_dir();
// $VIGIL_CACHE_DIR, else $XDG_CACHE_HOME/vigil, else $HOME/.cache/vigil.
std::string default_cache_dir();

struct OpenClProgram {
  cl_program program = nullptr;  // null on failure; the caller releases it
  bool from_cache = false;
  std::string error;  // build log or reason when program is null
};

// cache_dir empty: no binary cache (the runtime's own cache may still act).
// `field` selects the verify kernel's field representation; it is part of
// the cache key (through the build options).
OpenClProgram build_opencl_program(cl_context context, cl_device_id device,
                                   const std::string& cache_dir, Field field = Field::fe51);

// The device's name (CL_DEVICE_NAME), for selection and messages.
std::string opencl_device_name(cl_device_id device);

}  // namespace vigil::kernels
