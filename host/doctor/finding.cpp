#include "host/doctor/finding.hpp"

namespace vigil::doctor {

const char* status_name(Status s) {
  switch (s) {
    case Status::ok:
      return "ok";
    case Status::warn:
      return "warn";
    case Status::fail:
      return "fail";
  }
  return "fail";
}

bool passed(const std::vector<Finding>& findings) {
  for (const auto& f : findings) {
    if (f.status == Status::fail) return false;
  }
  return true;
}

std::string to_text(const std::vector<Finding>& findings) {
  std::string out;
  for (const auto& f : findings) {
    std::string status = status_name(f.status);
    status.resize(5, ' ');
    out += status + f.check + ": " + f.detail + "\n";
    if (!f.fix.empty()) out += "       fix: " + f.fix + "\n";
  }
  return out;
}

nlohmann::json to_json(const std::vector<Finding>& findings) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& f : findings) {
    checks.push_back({{"check", f.check},
                      {"status", status_name(f.status)},
                      {"detail", f.detail},
                      {"fix", f.fix}});
  }
  return {{"ok", passed(findings)}, {"checks", checks}};
}

}  // namespace vigil::doctor
