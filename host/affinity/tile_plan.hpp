// The config's [tiles] table: which core each tile runs on, checked against
// the machine and against how tiles wait when idle (the top-level
// `idle = "busy" | "adaptive"` of vigild's config) before anything starts.
//
//   idle = "busy"
//   [tiles]
//   net = 2
//   verify = [3, 4]      # one verify tile per listed core
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/affinity/topology.hpp"

namespace vigil::affinity {

// How an idle tile waits: `busy` spins on its core, `adaptive` spins, then sleeps.
enum class WaitMode { adaptive, busy };

// The tiles a config may pin, in pipeline order (../../shared/DESIGN.md).
inline constexpr std::string_view kTileNames[] = {"net",       "ingest",    "verify", "mempool",
                                                  "consensus", "execution", "ledger", "rpc"};

struct TilePin {
  std::string tile;  // "verify"
  int index = 0;     // verify[1] is the second verify tile
  int cpu = -1;
  int node = -1;  // NUMA node of cpu, -1 when unknown
};

struct TilePlan {
  std::vector<TilePin> pins;  // in config order
  std::vector<std::string> warnings;

  // The pin of tile `name` number `index`, or nullptr when it floats.
  const TilePin* find(std::string_view name, int index = 0) const;
};

// Parses `tiles` (the [tiles] table, or nullptr when the config has none)
// and checks it against `topo` for tiles that wait in mode `idle`. On error
// returns nullopt and sets *error to one line naming the key and
// `config_file`.
std::optional<TilePlan> plan_tiles(const toml::table* tiles, WaitMode idle, const Topology& topo,
                                   std::string_view config_file, std::string* error);

// "busy" or "adaptive"; nullopt for anything else.
std::optional<WaitMode> parse_wait_mode(std::string_view text);

}  // namespace vigil::affinity
