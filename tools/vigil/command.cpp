#include "command.hpp"

#include <map>
#include <vector>

namespace vigil::tool {
namespace {

std::vector<CommandSpec>& registry() {
  static std::vector<CommandSpec> specs;
  return specs;
}

}  // namespace

bool register_command(CommandSpec spec) {
  registry().push_back(std::move(spec));
  return true;
}

int& exit_status() {
  static int status = 0;
  return status;
}

void build_commands(CLI::App& root) {
  // Sorted by name so --help lists commands in a stable order whatever the
  // link order of the command files.
  std::map<std::string, const CommandSpec*> by_name;
  for (const auto& s : registry()) by_name[s.parent + " " + s.name] = &s;

  std::map<std::string, CLI::App*> built{{"", &root}};
  std::map<CLI::App*, bool> optional;
  // Parents are top-level commands, so two passes suffice.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& [key, s] : by_name) {
      if (built.contains(s->parent.empty() ? s->name : s->parent + "/" + s->name)) continue;
      bool top = s->parent.empty();
      if (top != (pass == 0)) continue;
      auto parent = built.find(s->parent);
      if (parent == built.end()) continue;
      CLI::App* app = parent->second->add_subcommand(s->name, s->summary);
      if (s->setup) s->setup(*app);
      optional[app] = s->subcommand_optional;
      built[top ? s->name : s->parent + "/" + s->name] = app;
    }
  }
  for (auto& [name, app] : built) {
    if (app != &root && !app->get_subcommands({}).empty() && !optional[app]) {
      app->require_subcommand(1);
    }
  }
}

}  // namespace vigil::tool
