// The verification engines through drivers/accel: what `auto` picks, the
// CUDA devices with the NVIDIA driver version, the OpenCL devices.
#include "drivers/accel/accelerator.hpp"
#include "drivers/accel/cuda_accelerator.hpp"
#include "host/doctor/checks.hpp"
#include "host/doctor/sysfs.hpp"
#if VIGIL_DOCTOR_OPENCL
#include "drivers/accel/opencl_accelerator.hpp"
#endif

namespace vigil::doctor {

std::vector<Finding> check_engines(const Root& root) {
  std::vector<Finding> out;
  std::string why;
  const int ncuda = accel::cuda_device_count(&why);
  // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15 ..." -> the driver's line.
  std::string driver = read_text(under(root, "/proc/driver/nvidia/version")).value_or("");
  driver = driver.substr(0, driver.find('\n'));
  if (ncuda > 0) {
    out.push_back({"cuda",
                   Status::ok,
                   std::to_string(ncuda) + " device(s)" + (driver.empty() ? "" : "; " + driver),
                   {}});
  } else {
    out.push_back({"cuda", Status::warn,
                   (why.empty() ? "no CUDA device" : why) + (driver.empty() ? "" : "; " + driver),
                   "a validator verifies on the CPU without one; for a GPU install the NVIDIA "
                   "driver (nvidia-driver) matching the CUDA 13 runtime"});
  }
#if VIGIL_DOCTOR_OPENCL
  const auto devs = accel::list_opencl_devices();
  std::string list;
  bool gpu = false;
  for (const auto& d : devs) {
    list += (list.empty() ? "" : "; ") + d;
    gpu = gpu || d.find("GPU") != std::string::npos;
  }
  if (devs.empty()) {
    out.push_back({"opencl", Status::warn, "no OpenCL platform or device",
                   "install the vendor's OpenCL ICD (or pocl-opencl-icd for tests)"});
  } else if (!gpu) {
    out.push_back({"opencl", Status::ok, list + " (no GPU: auto does not pick a CPU device)", {}});
  } else {
    out.push_back({"opencl", Status::ok, list, {}});
  }
#else
  out.push_back({"opencl", Status::warn, "this build has no OpenCL driver",
                 "build with ocl-icd-opencl-dev installed"});
#endif
  accel::Options o;
  o.max_batch = 64;  // a probe: the engine is built and dropped
  o.max_msg_bytes = 4096;
  auto a = accel::make_accelerator("auto", o, &why);
  if (!a) {
    out.push_back({"engine", Status::fail, "auto picks nothing: " + why,
                   "check the engines with vigil engines"});
  } else {
    out.push_back({"engine", Status::ok, "auto picks " + a->capabilities().name, {}});
  }
  return out;
}

}  // namespace vigil::doctor
