// The cuda driver: one stream per slot with pinned host staging buffers and
// device buffers sized for the largest batch, asynchronous copies in and
// out, so batches in different slots overlap. With no GPU or no driver
// (cudaGetDeviceCount fails, e.g. error 35 "insufficient driver") it does
// not exist and selection falls back.
#pragma once

#include <memory>
#include <string>

#include "drivers/accel/accelerator.hpp"

namespace vigil::accel {

// Number of CUDA devices, 0 when there is no GPU, no driver or no CUDA build;
// *why (optional) says which.
int cuda_device_count(std::string* why);

std::unique_ptr<Accelerator> make_cuda_accelerator(int device, const Options& opts,
                                                   std::string* error);

}  // namespace vigil::accel
