// The accelerator benchmark (cmd_bench_accel.cpp), shared by `vigil bench
// accel` and `vigil bench verify --engine opencl|cuda`.
#pragma once

#include <string>

#include "bench_output.hpp"

namespace vigil::tool {

struct AccelBenchOptions {
  std::string engine = "auto";   // as accel::make_accelerator takes it
  std::string rules = "strict";  // strict, zip215 or both
  std::string sizes = "64,256,1024,4096,16384,65536";
  double seconds = 1.0;  // per batch size and rule set
  unsigned in_flight = 4;
  bool peers = true;  // libsodium and the cpu driver in the same run
  // Device engines: the verify kernel's field representation and threads
  // per block (kernels/variant.hpp).
  std::string variant = "fe51";
  unsigned block = 64;
  bool json = false;  // rows as a JSON array on stdout instead of the table
  BenchOutput out;    // --csv, --plot
};

// Prints the table; 0 when every valid signature was accepted.
int bench_accel(const AccelBenchOptions& o);

}  // namespace vigil::tool
