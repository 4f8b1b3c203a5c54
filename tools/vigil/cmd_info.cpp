// vigil info: what this build and this machine offer.
#include <vigil/fi/contract.h>

#include <cstdio>

#include "command.hpp"

namespace {

void print_info() {
  std::printf("vigil protocol %d.%d, wire version %d\n", VIGIL_PROTOCOL_VERSION_MAJOR,
              VIGIL_PROTOCOL_VERSION_MINOR, VIGIL_WIRE_VERSION);
  std::printf("frame: header %zu B, Ed25519 fixed part %zu B, max %d B\n",
              sizeof(vigil_tx_frame_hdr), sizeof(vigil_tx_frame_ed25519), VIGIL_TX_FRAME_MAX);
  std::printf("build: cuda=%d opencl=%d dpdk=%d\n", VIGIL_BUILD_CUDA, VIGIL_BUILD_OPENCL,
              VIGIL_BUILD_DPDK);
}

const bool registered = vigil::tool::register_command(
    {"info", "Print the protocol version, contract sizes and build options", "",
     [](CLI::App& app) { app.callback(print_info); }});

}  // namespace
