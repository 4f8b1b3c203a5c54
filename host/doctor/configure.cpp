#include "host/doctor/configure.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "host/doctor/checks.hpp"
#include "host/doctor/sysfs.hpp"

namespace vigil::doctor {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSysctlConf = "/etc/sysctl.d/60-vigil.conf";
constexpr const char* kAbsent = "(absent)";

struct Sysctl {
  const char* key;
  const char* proc;
};
constexpr Sysctl kSocketSysctls[] = {{"net.core.rmem_max", "/proc/sys/net/core/rmem_max"},
                                     {"net.core.wmem_max", "/proc/sys/net/core/wmem_max"}};
constexpr Sysctl kHugepageSysctl = {"vm.nr_hugepages", "/proc/sys/vm/nr_hugepages"};

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string read_value(const fs::path& p) {
  const auto t = read_text(p);
  return t ? trimmed(*t) : kAbsent;
}

bool write_text(const fs::path& p, const std::string& text, std::string* err) {
  std::ofstream out(p, std::ios::trunc);
  out << text;
  out.close();
  if (!out) *err = "writing " + p.string() + ": " + std::strerror(errno);
  return static_cast<bool>(out);
}

bool write_value(const fs::path& p, const std::string& v, std::string* err) {
  return write_text(p, v + "\n", err);
}

uint64_t hugepages_wanted(const DeployConfig& c, const ConfigureOptions& o) {
  if (o.hugepages) return o.hugepages;
  return c.packet_port == "dpdk" ? kHugepages : 0;
}

std::string sysctl_conf_text(const DeployConfig& c, const ConfigureOptions& o) {
  std::string t = "# Written by `vigil configure apply`; `vigil configure undo` removes it.\n";
  if (const uint64_t h = hugepages_wanted(c, o)) {
    t += std::string(kHugepageSysctl.key) + " = " + std::to_string(h) + "\n";
  }
  for (const auto& s : kSocketSysctls) {
    t += std::string(s.key) + " = " + std::to_string(kSocketBufferBytes) + "\n";
  }
  return t;
}

// uid and gid of `user` in root's /etc/passwd, or -1.
std::pair<int, int> passwd_ids(const ConfigureOptions& o) {
  std::istringstream in(read_text(under(o.root, "/etc/passwd")).value_or(""));
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    for (std::string s; std::getline(fields, s, ':');) f.push_back(s);
    if (f.size() >= 4 && f[0] == o.user) {
      return {std::atoi(f[2].c_str()), std::atoi(f[3].c_str())};
    }
  }
  return {-1, -1};
}

bool has_group(const ConfigureOptions& o) {
  std::istringstream in(read_text(under(o.root, "/etc/group")).value_or(""));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(o.user + ":", 0) == 0) return true;
  }
  return false;
}

// Runs argv (no shell) and returns its exit status, -1 if it could not run.
int run(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<std::string> prefixed(std::vector<std::string> argv, const ConfigureOptions& o) {
  if (o.root != "/") argv.insert(argv.begin() + 1, {"--prefix", o.root.string()});
  return argv;
}

std::vector<fs::path> wanted_dirs(const DeployConfig& c) {
  return {"/etc/vigil", c.data_dir};
}

nlohmann::json read_undo(const ConfigureOptions& o) {
  const auto t = read_text(undo_file(o));
  if (!t) return nlohmann::json::object();
  auto j = nlohmann::json::parse(*t, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

bool write_undo(const ConfigureOptions& o, const nlohmann::json& j, std::string* err) {
  std::error_code ec;
  fs::create_directories(undo_file(o).parent_path(), ec);
  const fs::path tmp = undo_file(o).string() + ".tmp";
  if (!write_text(tmp, j.dump(2) + "\n", err)) return false;
  fs::rename(tmp, undo_file(o), ec);
  if (ec) *err = "renaming " + tmp.string() + ": " + ec.message();
  return !ec;
}

}  // namespace

fs::path undo_file(const ConfigureOptions& o) {
  return under(o.root, "/var/lib/vigil-configure/undo.json");
}

std::vector<Change> plan(const DeployConfig& c, const ConfigureOptions& o) {
  std::vector<Change> out;
  if (const uint64_t h = hugepages_wanted(c, o)) {
    out.push_back({"hugepages", kHugepageSysctl.key,
                   read_value(under(o.root, kHugepageSysctl.proc)), std::to_string(h)});
  }
  for (const auto& s : kSocketSysctls) {
    const std::string now = read_value(under(o.root, s.proc));
    // A larger value than ours is fine: leave it.
    const bool enough =
        now != kAbsent && std::strtoull(now.c_str(), nullptr, 10) >= kSocketBufferBytes;
    out.push_back({"sysctl", s.key, now, enough ? now : std::to_string(kSocketBufferBytes)});
  }
  const std::string conf = sysctl_conf_text(c, o);
  const auto conf_now = read_text(under(o.root, kSysctlConf));
  out.push_back({"sysctl", kSysctlConf,
                 !conf_now           ? kAbsent
                 : *conf_now == conf ? "ours"
                                     : "differs",
                 "ours"});
  for (const auto& pci : c.nics) {
    const std::string driver = link_name(under(o.root, "/sys/bus/pci/devices") / pci / "driver");
    out.push_back({"nic", pci, driver.empty() ? "no driver" : driver, "vfio-pci"});
  }
  out.push_back({"user", o.user, passwd_ids(o).first >= 0 ? "exists" : kAbsent, "exists"});
  for (const auto& d : wanted_dirs(c)) {
    std::error_code ec;
    out.push_back({"dirs", d.string(), fs::is_directory(under(o.root, d), ec) ? "exists" : kAbsent,
                   "exists"});
  }
  return out;
}

bool apply(const DeployConfig& c, const ConfigureOptions& o, std::vector<std::string>* log) {
  nlohmann::json record = read_undo(o);
  bool all_ok = true;
  auto note = [&](const Change& ch, bool ok, const std::string& err) {
    log->push_back((ok ? "done " : "FAILED ") + ch.stage + " " + ch.what + ": " + ch.now + " -> " +
                   ch.want + (ok ? "" : " (" + err + ")"));
    all_ok = all_ok && ok;
  };
  for (const Change& ch : plan(c, o)) {
    if (!ch.needed()) continue;
    // Record the value as first found; a later apply keeps the first record.
    const std::string key = ch.stage + " " + ch.what;
    if (!record.contains(key)) record[key] = ch.now;
    std::string err;
    if (!write_undo(o, record, &err)) {
      note(ch, false, err);
      return false;
    }
    bool ok = true;
    if (ch.stage == "hugepages" || (ch.stage == "sysctl" && ch.what != kSysctlConf)) {
      const char* proc = ch.stage == "hugepages" ? kHugepageSysctl.proc : nullptr;
      for (const auto& s : kSocketSysctls) proc = ch.what == s.key ? s.proc : proc;
      ok = write_value(under(o.root, proc), ch.want, &err);
      if (ok && read_value(under(o.root, proc)) != ch.want) {
        ok = false;  // the kernel gave fewer hugepages than asked (fragmented memory)
        err = "the kernel holds " + read_value(under(o.root, proc));
      }
    } else if (ch.stage == "sysctl") {
      std::error_code ec;
      fs::create_directories(under(o.root, kSysctlConf).parent_path(), ec);
      ok = write_text(under(o.root, kSysctlConf), sysctl_conf_text(c, o), &err);
    } else if (ch.stage == "nic") {
      // driver_override, unbind, reprobe: the kernel's documented way to rebind.
      const fs::path dev = under(o.root, "/sys/bus/pci/devices") / ch.what;
      ok = write_value(dev / "driver_override", "vfio-pci", &err) &&
           (ch.now == "no driver" || write_value(dev / "driver/unbind", ch.what, &err)) &&
           write_value(under(o.root, "/sys/bus/pci/drivers_probe"), ch.what, &err);
    } else if (ch.stage == "user") {
      const int rc =
          run(prefixed({"useradd", "--system", "--user-group", "--home-dir", "/var/lib/vigil",
                        "--no-create-home", "--shell", "/usr/sbin/nologin", o.user},
                       o));
      ok = rc == 0;
      if (!ok) err = "useradd exited " + std::to_string(rc);
    } else if (ch.stage == "dirs") {
      const fs::path d = under(o.root, ch.what);
      std::error_code ec;
      fs::create_directories(d, ec);
      const bool data = ch.what != "/etc/vigil";
      const auto [uid, gid] = passwd_ids(o);
      if (!ec && data && uid >= 0 && chown(d.c_str(), uid, gid) != 0) {
        ec = std::error_code(errno, std::generic_category());
      }
      if (!ec) chmod(d.c_str(), data ? 0750 : 0755);
      ok = !ec;
      if (!ok) err = ec.message();
    }
    note(ch, ok, err);
  }
  if (log->empty()) log->push_back("nothing to do: the machine is configured");
  return all_ok;
}

bool undo(const ConfigureOptions& o, std::vector<std::string>* log) {
  const nlohmann::json record = read_undo(o);
  if (record.empty()) {
    log->push_back("nothing to undo: no record at " + undo_file(o).string());
    return true;
  }
  bool all_ok = true;
  // Reverse order of apply: directories before the user that owns them.
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto& [k, v] : record.items()) items.emplace_back(k, v.get<std::string>());
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    auto rank = [](const std::string& k) {
      for (int i = 0; const char* s : {"dirs ", "user ", "nic ", "sysctl ", "hugepages "}) {
        if (k.rfind(s, 0) == 0) return i;
        ++i;
      }
      return 9;
    };
    return rank(a.first) != rank(b.first) ? rank(a.first) < rank(b.first) : a.first > b.first;
  });
  for (const auto& [key, before] : items) {
    const std::string stage = key.substr(0, key.find(' '));
    const std::string what = key.substr(key.find(' ') + 1);
    std::string err;
    bool ok = true;
    if (stage == "dirs") {
      std::error_code ec;
      fs::remove(under(o.root, what), ec);  // only when empty: a ledger is never deleted
      if (ec && fs::exists(under(o.root, what))) {
        log->push_back("kept " + what + ": not empty");
        continue;
      }
    } else if (stage == "user") {
      const int rc = run(prefixed({"userdel", o.user}, o));
      ok = rc == 0;
      if (!ok) err = "userdel exited " + std::to_string(rc);
      // useradd --user-group made the group too; userdel leaves it where
      // login.defs lacks USERGROUPS_ENAB.
      if (ok && has_group(o)) ok = run(prefixed({"groupdel", o.user}, o)) == 0;
      if (!ok && err.empty()) err = "groupdel failed";
    } else if (stage == "nic") {
      const fs::path dev = under(o.root, "/sys/bus/pci/devices") / what;
      ok = write_value(dev / "driver_override", "", &err) &&
           write_value(dev / "driver/unbind", what, &err) &&
           (before == "no driver" ||
            write_value(under(o.root, "/sys/bus/pci/drivers") / before / "bind", what, &err));
    } else if (what == kSysctlConf) {
      std::error_code ec;
      fs::remove(under(o.root, kSysctlConf), ec);
      ok = !ec;
      if (!ok) err = ec.message();
    } else {
      const char* proc = stage == "hugepages" ? kHugepageSysctl.proc : nullptr;
      for (const auto& s : kSocketSysctls) proc = what == s.key ? s.proc : proc;
      ok = proc && before != kAbsent && write_value(under(o.root, proc), before, &err);
    }
    log->push_back((ok ? "undone " : "FAILED ") + stage + " " + what + " -> " + before +
                   (ok ? "" : " (" + err + ")"));
    all_ok = all_ok && ok;
  }
  if (all_ok) {
    std::error_code ec;
    fs::remove(undo_file(o), ec);
    fs::remove(undo_file(o).parent_path(), ec);
  }
  return all_ok;
}

}  // namespace vigil::doctor
