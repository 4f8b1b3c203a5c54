// vigil engines: the verification engines this machine offers, with the
// names --engine takes (opencl:N is the index shown), and the one `auto`
// picks (../shared/DESIGN.md "Engines": CUDA GPU, OpenCL GPU, CPU).
#include <cstdio>
#include <string>

#include "command.hpp"
#include "drivers/accel/accelerator.hpp"
#include "drivers/accel/cpu_engine.hpp"
#include "drivers/accel/cuda_accelerator.hpp"
#if VIGIL_BUILD_OPENCL
#include "drivers/accel/opencl_accelerator.hpp"
#endif

namespace {

int list_engines() {
  std::printf("cpu: %s\n",
              vigil::accel::cpu_engine_label(vigil::crypto::Engine::automatic).c_str());
  std::string why;
  const int ncuda = vigil::accel::cuda_device_count(&why);
  if (ncuda > 0) {
    std::printf("cuda: %d device(s): cuda:0..cuda:%d\n", ncuda, ncuda - 1);
  } else {
    std::printf("cuda: none (%s)\n", why.c_str());
  }
#if VIGIL_BUILD_OPENCL
  const auto devs = vigil::accel::list_opencl_devices();
  if (devs.empty()) std::printf("opencl: no platform or device\n");
  for (const auto& d : devs) std::printf("opencl:%s\n", d.c_str());
#else
  std::printf("opencl: not built\n");
#endif
  vigil::accel::Options o;
  o.max_batch = 64;  // a probe: the engine is built and dropped
  o.max_msg_bytes = 4096;
  auto a = vigil::accel::make_accelerator("auto", o, &why);
  std::printf("auto picks: %s\n", a ? a->capabilities().name.c_str() : why.c_str());
  return 0;
}

const bool registered = vigil::tool::register_command(
    {"engines", "List the verification engines here (cpu, cuda, opencl) and what auto picks", "",
     [](CLI::App& app) { app.callback([] { vigil::tool::exit_status() = list_engines(); }); }});

}  // namespace
