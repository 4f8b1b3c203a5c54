// One line of `vigil doctor`: what was checked, how it stands, and the fix.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace vigil::doctor {

enum class Status { ok, warn, fail };

struct Finding {
  std::string check;  // "hugepages"
  Status status = Status::ok;
  std::string detail;  // what was found, measured figures included
  std::string fix;     // empty when status is ok
};

const char* status_name(Status s);

// True when no finding is `fail` (vigil doctor exits 0).
bool passed(const std::vector<Finding>& findings);

// "ok   hugepages: 0 of 2048 kB ..." one line each, the fix on the next.
std::string to_text(const std::vector<Finding>& findings);

// {"ok": bool, "checks": [{"check", "status", "detail", "fix"}...]}
nlohmann::json to_json(const std::vector<Finding>& findings);

}  // namespace vigil::doctor
