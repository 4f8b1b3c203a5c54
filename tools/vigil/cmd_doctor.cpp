// vigil doctor [--config FILE] [--json]: checks and explains this machine
// for a validator, one line each (ok / warn / fail) with the fix. Exit 0 when
// nothing fails, 1 otherwise.
#include <cstdio>
#include <memory>

#include "command.hpp"
#include "deploy_config_arg.hpp"
#include "host/doctor/checks.hpp"

namespace {

struct Args {
  std::string config;
  std::string root = "/";
  bool json = false;
};

int doctor(const Args& a) {
  vigil::doctor::DeployConfig c;
  std::vector<vigil::doctor::Finding> findings{vigil::tool::load_deploy_config(a.config, &c)};
  for (auto& f : vigil::doctor::run_all(a.root, c)) findings.push_back(std::move(f));
  if (a.json) {
    std::printf("%s\n", vigil::doctor::to_json(findings).dump(2).c_str());
  } else {
    std::fputs(vigil::doctor::to_text(findings).c_str(), stdout);
  }
  return vigil::doctor::passed(findings) ? 0 : 1;
}

const bool registered = vigil::tool::register_command(
    {"doctor", "Check this machine for a validator: ok / warn / fail with the fix", "",
     [](CLI::App& app) {
       auto a = std::make_shared<Args>();
       app.add_option("--config", a->config, "vigild's config (default /etc/vigil/vigil.toml)");
       app.add_flag("--json", a->json, "One JSON object for tools");
       app.add_option("--root", a->root, "Read /proc and /sys under this folder (tests)")
           ->group("");
       app.callback([a] { vigil::tool::exit_status() = doctor(*a); });
     }});

}  // namespace
