// The `vigil` subcommand registry: a command file registers a setup function
// at static-initialisation time; main() builds the CLI11 tree from them.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace vigil::tool {

// Adds options to `app` (already named) and sets its callback. The callback
// stores the exit status through exit_status().
using CommandSetup = std::function<void(CLI::App& app)>;

struct CommandSpec {
  std::string name;
  std::string summary;
  // Parent command name ("" for top level, "bench" for `vigil bench hash`).
  std::string parent;
  CommandSetup setup;
  // A command whose own subcommands are optional (`vigil configure` is
  // `vigil configure plan`); others must be given one.
  bool subcommand_optional = false;
};

// Returns true so that `static const bool r = register_command(...)` works.
bool register_command(CommandSpec spec);

// Builds every registered command under `root`, parents before children.
void build_commands(CLI::App& root);

// The status main() returns once a command's callback has run.
int& exit_status();

}  // namespace vigil::tool
