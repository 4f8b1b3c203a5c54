// vigil bench: the parent of the benchmark subcommands (cmd_bench_*.cpp).
#include "command.hpp"

namespace {

const bool registered = vigil::tool::register_command(
    {"bench", "Benchmarks, each next to its peers measured in the same run", "", nullptr});

}  // namespace
