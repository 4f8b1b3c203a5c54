// Checks of the node's own configuration: tiles, data directory, ports, key.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include "host/affinity/cpu_list.hpp"
#include "host/doctor/checks.hpp"

namespace vigil::doctor {
namespace {

// Writes and fdatasyncs this many 4 KiB blocks: what one committed block's
// synced RocksDB write costs, roughly.
constexpr int kSyncRounds = 32;
constexpr double kSyncWarnMs = 2.0;   // NVMe with power-loss protection: well under 1 ms
constexpr double kSyncFailMs = 50.0;  // a round of consensus would wait on the disk

std::string ms(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f ms", v);
  return buf;
}

// Nearest existing folder at or above `p`.
std::filesystem::path existing_ancestor(std::filesystem::path p) {
  std::error_code ec;
  while (!p.empty() && !std::filesystem::exists(p, ec) && p != p.root_path()) p = p.parent_path();
  return p.empty() ? std::filesystem::path(".") : p;
}

// Median and worst fdatasync latency in `dir`, or an error.
bool measure_fsync(const std::filesystem::path& dir, double* p50, double* worst, std::string* err) {
  std::string tmpl = (dir / ".vigil-doctor-XXXXXX").string();
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) {
    *err = "cannot create a file in " + dir.string() + ": " + std::strerror(errno);
    return false;
  }
  std::vector<double> lat;
  std::vector<char> block(4096, 'v');
  for (int i = 0; i < kSyncRounds; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    if (pwrite(fd, block.data(), block.size(), static_cast<off_t>(i) * 4096) !=
            static_cast<ssize_t>(block.size()) ||
        fdatasync(fd) != 0) {
      *err = std::string("write or fdatasync failed: ") + std::strerror(errno);
      break;
    }
    lat.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  close(fd);
  unlink(tmpl.c_str());
  if (lat.size() != kSyncRounds) return false;
  std::sort(lat.begin(), lat.end());
  *p50 = lat[lat.size() / 2];
  *worst = lat.back();
  return true;
}

// Binds HOST:PORT as vigild would; "" when free, else why not.
std::string try_bind(const ListenAddress& a) {
  const auto hp = parse_host_port(a.address);
  if (!hp) return "not HOST:PORT";
  addrinfo hints{};
  hints.ai_socktype = a.udp ? SOCK_DGRAM : SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  const std::string port = std::to_string(hp->port);
  if (const int rc = getaddrinfo(hp->host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    return std::string("cannot resolve: ") + gai_strerror(rc);
  }
  std::string why;
  const int fd = socket(res->ai_family, res->ai_socktype, 0);
  const int one = 1;
  if (fd < 0) {
    why = std::strerror(errno);
  } else {
    if (!a.udp) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // as vigild's acceptor
    if (bind(fd, res->ai_addr, res->ai_addrlen) != 0) why = std::strerror(errno);
    close(fd);
  }
  freeaddrinfo(res);
  return why;
}

}  // namespace

Finding check_tiles(const Root& root, const DeployConfig& c) {
  std::string why;
  const auto plan = affinity::plan_tiles(c.tiles.empty() ? nullptr : &c.tiles, c.idle,
                                         affinity::read_topology(root),
                                         c.file.empty() ? kDefaultConfigFile : c.file, &why);
  if (!plan) return {"tiles", Status::fail, why, "fix the [tiles] table"};
  const char* mode = c.idle == affinity::WaitMode::busy ? "busy" : "adaptive";
  if (plan->pins.empty()) {
    return {"tiles",
            Status::ok,
            std::string("no [tiles]: the kernel places the tiles; idle = ") + mode,
            {}};
  }
  std::string pins;
  for (const auto& p : plan->pins) {
    pins += (pins.empty() ? "" : ", ") + p.tile +
            (p.index ? "[" + std::to_string(p.index) + "]" : "") + "=" + std::to_string(p.cpu) +
            (p.node >= 0 ? "/node" + std::to_string(p.node) : "");
  }
  const std::string detail = std::string("idle = ") + mode + ": " + pins;
  if (!plan->warnings.empty()) {
    std::string w;
    for (const auto& s : plan->warnings) w += "; " + s;
    return {"tiles", Status::warn, detail + w,
            "isolate the busy cores: add isolcpus=, nohz_full= and rcu_nocbs= with their list "
            "to the kernel command line"};
  }
  return {"tiles", Status::ok, detail, {}};
}

Finding check_data_dir(const DeployConfig& c) {
  std::error_code ec;
  const auto& dir = c.data_dir;
  std::filesystem::path probe = dir;
  std::string note;
  if (!std::filesystem::is_directory(dir, ec)) {
    probe = existing_ancestor(dir);
    note = dir.string() + " does not exist yet; measured in " + probe.string();
  } else if (access(dir.c_str(), W_OK) != 0) {
    return {"data_dir", Status::fail, dir.string() + " is not writable by this user",
            "vigil configure apply (creates it owned by the vigil user)"};
  }
  double p50 = 0, worst = 0;
  std::string err;
  if (!measure_fsync(probe, &p50, &worst, &err)) {
    return {"data_dir", note.empty() ? Status::fail : Status::warn,
            (note.empty() ? dir.string() : note) + ": " + err,
            "vigil configure apply, or run doctor as the vigil user"};
  }
  std::string detail = (note.empty() ? dir.string() : note) + ": fdatasync of 4 KiB p50 " +
                       ms(p50) + ", max " + ms(worst) + " over " + std::to_string(kSyncRounds);
  if (p50 > kSyncFailMs) {
    return {"data_dir", Status::fail, detail, "put the ledger on a local NVMe drive"};
  }
  if (p50 > kSyncWarnMs) {
    return {"data_dir", Status::warn, detail,
            "a local NVMe drive (with power-loss protection) syncs in well under 1 ms"};
  }
  if (!note.empty()) {
    return {"data_dir", Status::warn, detail,
            "vigil configure apply (creates " + dir.string() + ")"};
  }
  return {"data_dir", Status::ok, detail, {}};
}

std::vector<Finding> check_ports(const DeployConfig& c) {
  std::vector<Finding> out;
  if (c.listen.empty()) {
    out.push_back({"ports", Status::ok, "no [listen] addresses in the config", {}});
  }
  for (const auto& a : c.listen) {
    const std::string what = "listen." + a.name + " " + a.address + (a.udp ? " (udp)" : " (tcp)");
    const std::string why = try_bind(a);
    if (why.empty()) {
      out.push_back({"ports", Status::ok, what + " is free", {}});
    } else {
      out.push_back({"ports", Status::fail, what + ": " + why,
                     "stop what holds the port (ss -lntup) or choose another in [listen]"});
    }
  }
  return out;
}

Finding check_key_file(const DeployConfig& c) {
  if (c.key_file.empty()) {
    return {"key_file", Status::warn, "the config names no key_file", "set key_file in the config"};
  }
  struct stat st {};
  const std::string f = c.key_file.string();
  if (stat(f.c_str(), &st) != 0) {
    return {"key_file", Status::fail, f + ": " + std::strerror(errno),
            "vigil keygen > " + f + " && chmod 600 " + f};
  }
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  if (!S_ISREG(st.st_mode)) {
    return {"key_file", Status::fail, f + " is not a regular file", "point key_file at the key"};
  }
  if (st.st_mode & 077) {
    return {"key_file", Status::fail,
            f + " has mode " + mode + ": group or others can read the validator's secret key",
            "chmod 600 " + f};
  }
  if (access(f.c_str(), R_OK) != 0) {
    return {"key_file", Status::warn, f + " (mode " + mode + ") is not readable by this user",
            "run doctor as the user vigild runs as (vigil)"};
  }
  return {
      "key_file", Status::ok, f + " mode " + mode + ", owner uid " + std::to_string(st.st_uid), {}};
}

std::vector<Finding> run_all(const Root& root, const DeployConfig& c) {
  std::vector<Finding> out;
  auto add = [&](std::vector<Finding> v) { out.insert(out.end(), v.begin(), v.end()); };
  out.push_back(check_cpu_flags(root));
  add(check_engines(root));
  out.push_back(check_hugepages(root, c));
  out.push_back(check_nics(root, c));
  out.push_back(check_iommu(root, c));
  out.push_back(check_numa(root, c));
  out.push_back(check_tiles(root, c));
  out.push_back(check_data_dir(c));
  out.push_back(check_clock());
  add(check_limits(c));
  out.push_back(check_socket_buffers(root));
  add(check_ports(c));
  out.push_back(check_key_file(c));
  return out;
}

}  // namespace vigil::doctor
