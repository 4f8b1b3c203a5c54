// The --config FILE of `vigil doctor` and `vigil configure`: vigild's config,
// /etc/vigil/vigil.toml when not given, defaults when that is absent too.
#pragma once

#include <filesystem>
#include <string>

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
  return {"config", doctor::Status::ok, file, {}};
}

}  // namespace vigil::tool
