// `vigil configure`: the machine changes a validator needs, as Firedancer's
// `fdctl configure init|check|fini` stages: hugepages, socket-buffer
// sysctls (live and persisted in /etc/sysctl.d), NIC binding to vfio-pci,
// the vigil system user and its directories.
//
// plan() reads only. apply() makes what plan() lists, recording each prior
// value in an undo file before changing it, so apply twice is apply once;
// undo() puts back what apply recorded and removes the record, so undo
// twice is undo once. Every path is under `root` ("/" on the machine, a
// scratch tree in tests and image builds).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "host/doctor/deploy_config.hpp"

namespace vigil::doctor {

struct ConfigureOptions {
  std::filesystem::path root = "/";
  uint64_t hugepages = 0;  // 0: kHugepages when packet.port is dpdk, else leave as is
  std::string user = "vigil";
};

struct Change {
  std::string stage;  // hugepages | sysctl | nic | user | dirs
  std::string what;   // "vm.nr_hugepages", "0000:01:00.0", "/var/lib/vigil"
  std::string now;    // as found
  std::string want;
  bool needed() const { return now != want; }
};

// The changes apply would make, needed or not, in the order it makes them.
std::vector<Change> plan(const DeployConfig& c, const ConfigureOptions& o);

// Makes the needed changes. Returns false if one failed; *log has one line
// per change made or failed.
bool apply(const DeployConfig& c, const ConfigureOptions& o, std::vector<std::string>* log);

// Reverts what apply recorded. Returns false if a revert failed.
bool undo(const ConfigureOptions& o, std::vector<std::string>* log);

// Where apply records prior values: under root, outside the data directory.
std::filesystem::path undo_file(const ConfigureOptions& o);

}  // namespace vigil::doctor
