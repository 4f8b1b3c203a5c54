#include "host/affinity/tile_plan.hpp"

#include <algorithm>
#include <map>

#include "host/affinity/cpu_list.hpp"

namespace vigil::affinity {
namespace {

std::string key_name(const TilePin& p, bool listed) {
  return "tiles." + p.tile + (listed ? "[" + std::to_string(p.index) + "]" : "");
}

bool fail(std::string* error, std::string_view file, const std::string& msg) {
  if (error) *error = std::string(file) + ": " + msg;
  return false;
}

// Appends the pins of one `tile = N` or `tile = [N, ...]` entry.
bool read_pins(const std::string& tile, const toml::node& value, std::string_view file,
               std::vector<TilePin>& pins, std::string* error) {
  auto one = [&](const toml::node& n, int index) {
    const auto cpu = n.value_exact<int64_t>();
    if (!cpu || *cpu < 0 || *cpu > kMaxCpu) {
      return fail(error, file,
                  "tiles." + tile + ": a cpu number from 0 to " + std::to_string(kMaxCpu) +
                      " or a list of them is expected");
    }
    pins.push_back({tile, index, static_cast<int>(*cpu), -1});
    return true;
  };
  if (const auto* list = value.as_array()) {
    if (list->empty()) return fail(error, file, "tiles." + tile + ": the cpu list is empty");
    for (size_t i = 0; i < list->size(); ++i) {
      if (!one(*list->get(i), static_cast<int>(i))) return false;
    }
    return true;
  }
  return one(value, 0);
}

}  // namespace

const TilePin* TilePlan::find(std::string_view name, int index) const {
  for (const auto& p : pins) {
    if (p.tile == name && p.index == index) return &p;
  }
  return nullptr;
}

std::optional<WaitMode> parse_wait_mode(std::string_view text) {
  if (text == "busy") return WaitMode::busy;
  if (text == "adaptive") return WaitMode::adaptive;
  return std::nullopt;
}

std::optional<TilePlan> plan_tiles(const toml::table* tiles, WaitMode idle, const Topology& topo,
                                   std::string_view file, std::string* error) {
  TilePlan plan;
  if (!tiles) return plan;
  std::map<std::string, bool> listed;  // tile -> its value is a list
  for (const auto& [k, v] : *tiles) {
    const std::string key{k.str()};
    if (std::find(std::begin(kTileNames), std::end(kTileNames), key) == std::end(kTileNames)) {
      fail(error, file,
           "tiles." + key + ": unknown tile (known: net, ingest, verify, mempool, " +
               "consensus, execution, ledger, rpc)");
      return std::nullopt;
    }
    listed[key] = v.is_array();
    if (!read_pins(key, v, file, plan.pins, error)) return std::nullopt;
  }

  std::map<int, const TilePin*> owner;  // cpu -> first tile pinned there
  for (auto& p : plan.pins) {
    const std::string key = key_name(p, listed[p.tile]);
    const std::string cpu = "cpu " + std::to_string(p.cpu);
    if (!topo.is_online(p.cpu)) {
      fail(error, file,
           key + ": " + cpu + " is not online here (online: " + format_cpu_list(topo.online) + ")");
      return std::nullopt;
    }
    if (!topo.is_allowed(p.cpu)) {
      fail(error, file,
           key + ": " + cpu + " is outside this process's CPU affinity (" +
               format_cpu_list(topo.allowed) + "); widen CPUAffinity or pick another core");
      return std::nullopt;
    }
    p.node = topo.node(p.cpu);
    const auto [it, fresh] = owner.emplace(p.cpu, &p);
    if (!fresh && idle == WaitMode::busy) {
      fail(error, file,
           key + ": " + cpu + " is already pinned to " +
               key_name(*it->second, listed[it->second->tile]) +
               "; in busy mode each tile spins on its own core, so two on one core starve each " +
               "other: give each tile its own core or set idle = \"adaptive\"");
      return std::nullopt;
    }
    if (idle == WaitMode::busy && !topo.is_isolated(p.cpu)) {
      plan.warnings.push_back(key + ": " + cpu +
                              " is not in isolcpus, so the kernel also schedules other work there");
    }
  }
  return plan;
}

}  // namespace vigil::affinity
