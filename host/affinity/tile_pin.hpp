// A checked pin plan: which core each tile runs on (tile_plan.hpp makes it
// from the config's [tiles] table). No TOML here, so vigild's config and
// its tiles can carry a plan without the parser's headers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

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

}  // namespace vigil::affinity
