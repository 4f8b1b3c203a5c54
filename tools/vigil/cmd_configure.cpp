// vigil configure plan|apply|undo [--config FILE]: the machine changes a
// validator needs (hugepages, sysctls, NIC binding to vfio-pci, the vigil
// user and its directories). `plan`, the default, changes nothing; `apply`
// and `undo` are idempotent.
#include <cstdio>
#include <memory>

#include "command.hpp"
#include "deploy_config_arg.hpp"
#include "host/doctor/configure.hpp"

namespace {

struct Args {
  std::string config;
  std::string root = "/";
  uint64_t hugepages = 0;
  bool json = false;
};

bool load(const Args& a, vigil::doctor::DeployConfig* c, vigil::doctor::ConfigureOptions* o) {
  const auto f = vigil::tool::load_deploy_config(a.config, c);
  if (f.status == vigil::doctor::Status::fail) {
    std::fprintf(stderr, "vigil configure: %s\n", f.detail.c_str());
    return false;
  }
  if (f.status == vigil::doctor::Status::warn) std::fprintf(stderr, "note: %s\n", f.detail.c_str());
  o->root = a.root;
  o->hugepages = a.hugepages;
  if (a.root != "/") c->data_dir = c->data_dir.lexically_normal();
  return true;
}

int plan(const Args& a) {
  vigil::doctor::DeployConfig c;
  vigil::doctor::ConfigureOptions o;
  if (!load(a, &c, &o)) return 2;
  const auto changes = vigil::doctor::plan(c, o);
  size_t needed = 0;
  nlohmann::json j = nlohmann::json::array();
  for (const auto& ch : changes) {
    needed += ch.needed();
    j.push_back({{"stage", ch.stage},
                 {"what", ch.what},
                 {"now", ch.now},
                 {"want", ch.want},
                 {"needed", ch.needed()}});
    if (!a.json) {
      std::printf("%-7s %-9s %s: %s%s\n", ch.needed() ? "change" : "ok", ch.stage.c_str(),
                  ch.what.c_str(), ch.now.c_str(), ch.needed() ? (" -> " + ch.want).c_str() : "");
    }
  }
  if (a.json) {
    std::printf("%s\n", nlohmann::json{{"changes", j}, {"needed", needed}}.dump(2).c_str());
  } else {
    std::printf("%zu change(s) needed; `vigil configure apply` makes them, `undo` reverts them\n",
                needed);
  }
  return 0;
}

int run(const Args& a, bool do_apply) {
  vigil::doctor::DeployConfig c;
  vigil::doctor::ConfigureOptions o;
  if (!load(a, &c, &o)) return 2;
  std::vector<std::string> log;
  const bool ok = do_apply ? vigil::doctor::apply(c, o, &log) : vigil::doctor::undo(o, &log);
  for (const auto& line : log) std::printf("%s\n", line.c_str());
  return ok ? 0 : 1;
}

void add_options(CLI::App& app, const std::shared_ptr<Args>& a) {
  app.add_option("--config", a->config, "vigild's config (default /etc/vigil/vigil.toml)");
  app.add_option("--hugepages", a->hugepages,
                 "2 MiB hugepages to reserve (default 1024 when packet.port is dpdk)");
  app.add_option("--root", a->root, "Change the system image under this folder (tests)")->group("");
}

const bool registered = vigil::tool::register_command(
    {"configure", "Prepare this machine for vigild: plan (default), apply, undo", "",
     [](CLI::App& app) {
       auto a = std::make_shared<Args>();
       add_options(app, a);
       app.add_flag("--json", a->json, "The plan as one JSON object");
       app.require_subcommand(0, 1);
       auto* p = app.add_subcommand("plan", "Print the changes; change nothing");
       auto* ap =
           app.add_subcommand("apply", "Make the changes (idempotent), recording how to undo them");
       auto* u = app.add_subcommand("undo", "Revert what apply changed (idempotent)");
       for (auto* sub : {p, ap, u}) add_options(*sub, a);
       p->add_flag("--json", a->json, "The plan as one JSON object");
       app.callback([a, p, ap, u] {
         if (ap->parsed()) {
           vigil::tool::exit_status() = run(*a, true);
         } else if (u->parsed()) {
           vigil::tool::exit_status() = run(*a, false);
         } else {
           vigil::tool::exit_status() = plan(*a);
         }
         (void)p;
       });
     },
     true});

}  // namespace
