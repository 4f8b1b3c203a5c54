// The --config FILE of `vigil doctor` and `vigil configure`: vigild's config,
// /etc/vigil/vigil.toml when not given, defaults when that is absent too.
#pragma once

#include <filesystem>
#include <string>

#include "host/config/config.hpp"
#include "host/doctor/deploy_config.hpp"
#include "host/doctor/finding.hpp"

namespace vigil::tool {

// Reads the config into *out and says how that went as a Finding ("config").
inline doctor::Finding load_deploy_config(const std::string& flag, doctor::DeployConfig* out) {
  const bool given = !flag.empty();
  const std::string file = given ? flag : doctor::kDefaultConfigFile;
  std::error_code ec;
  if (!given && !std::filesystem::exists(file, ec)) {
    return {"config", doctor::Status::warn,
            file + " does not exist: checking against defaults (data_dir /var/lib/vigil)",
            "pass --config FILE, or install the vigil package's example config"};
  }
  std::string why;
  auto c = doctor::read_deploy_config(file, &why);
  if (!c) return {"config", doctor::Status::fail, why, "fix the config (vigild refuses it too)"};
  *out = std::move(*c);
  // vigild's own parser (host/config) is the judge of the whole schema.
  config::Config full;
  std::vector<std::string> errors;
  if (!config::load(file, &full, &errors)) {
    std::string all;
    for (const auto& e : errors) all += (all.empty() ? "" : "; ") + e;
    return {"config", doctor::Status::fail, "vigild would refuse it: " + all,
            "fix the keys named (vigild exits 2 on them)"};
  }
  return {"config", doctor::Status::ok, file + " (vigild accepts it)", {}};
}

}  // namespace vigil::tool
