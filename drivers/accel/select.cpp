// make_accelerator: engine names to drivers, and `auto`'s order
// (../shared/DESIGN.md "Engines"): a CUDA GPU, an OpenCL GPU, the CPU.
#include <string_view>

#include "drivers/accel/accelerator.hpp"
#include "drivers/accel/cpu_accelerator.hpp"
#include "drivers/accel/cuda_accelerator.hpp"
#if VIGIL_HAVE_OPENCL
#include "drivers/accel/opencl_accelerator.hpp"
#endif

namespace vigil::accel {

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::cpu:
      return "cpu";
    case Kind::opencl:
      return "opencl";
    case Kind::cuda:
      return "cuda";
  }
  return "?";
}

std::unique_ptr<Accelerator> make_accelerator(const std::string& spec, const Options& opts,
                                              std::string* error) {
  const auto colon = spec.find(':');
  const std::string head = spec.substr(0, colon);
  const std::string sel = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (head == "cpu") return make_cpu_accelerator(opts);
  if (head == "cuda") {
    int dev = 0;
    if (!sel.empty()) {
      if (sel.find_first_not_of("0123456789") != std::string::npos) {
        if (error) *error = "cuda:N takes a device number";
        return nullptr;
      }
      dev = std::stoi(sel);
    }
    return make_cuda_accelerator(dev, opts, error);
  }
  if (head == "opencl") {
#if VIGIL_HAVE_OPENCL
    return make_opencl_accelerator(sel, opts, error);
#else
    if (error) *error = "built without OpenCL";
    return nullptr;
#endif
  }
  if (head == "auto" && sel.empty()) {
    std::string ignored;
    if (cuda_device_count(nullptr) > 0)
      if (auto a = make_cuda_accelerator(0, opts, &ignored)) return a;
#if VIGIL_HAVE_OPENCL
    if (auto a = make_opencl_accelerator("", opts, &ignored)) return a;
#endif
    return make_cpu_accelerator(opts);
  }
  if (error) *error = "unknown engine '" + spec + "' (auto, cpu, opencl[:SEL], cuda[:N])";
  return nullptr;
}

}  // namespace vigil::accel
