// vigil: the operator's and developer's command (keygen, sign, verify, bench,
// sim, loadgen, audit, ...). Each subcommand lives in its own cmd_*.cpp.
#include <vigil/fi/version.h>

#include <cstdio>

#include "command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"vigil: tools for the Vigil validator appliance"};
  app.set_version_flag("--version", std::to_string(VIGIL_PROTOCOL_VERSION_MAJOR) + "." +
                                        std::to_string(VIGIL_PROTOCOL_VERSION_MINOR));
  app.require_subcommand(1);
  vigil::tool::build_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return vigil::tool::exit_status();
}
