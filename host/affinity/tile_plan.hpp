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

#include "host/affinity/tile_pin.hpp"
#include "host/affinity/topology.hpp"

namespace vigil::affinity {

// Parses `tiles` (the [tiles] table, or nullptr when the config has none)
// and checks it against `topo` for tiles that wait in mode `idle`. On error
// returns nullopt and sets *error to one line naming the key and
// `config_file`.
std::optional<TilePlan> plan_tiles(const toml::table* tiles, WaitMode idle, const Topology& topo,
                                   std::string_view config_file, std::string* error);

// "busy" or "adaptive"; nullopt for anything else.
std::optional<WaitMode> parse_wait_mode(std::string_view text);

}  // namespace vigil::affinity
