// vigil bench: the parent of the benchmark subcommands.
#include "command.hpp"

namespace {

const bool registered =
    vigil::tool::register_command({"bench", "Benchmarks (peers measured in the same run)", "",
                                   [](CLI::App& app) { app.require_subcommand(1); }});

}  // namespace
