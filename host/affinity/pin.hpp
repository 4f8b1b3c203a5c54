// Pins a thread to one CPU (a tile's loop runs only there).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "host/affinity/tile_pin.hpp"

namespace vigil::affinity {

// Both return false and say why in *error (a CPU outside the process's
// affinity, say) without changing the thread's affinity.
bool pin_this_thread(int cpu, std::string* error);
// A running thread, from the thread that started it (vigild pins each tile
// as it starts it, so a failure stops the start).
bool pin_thread(std::thread& thread, int cpu, std::string* error);

// A tile thread of this process, by its [tiles] name.
struct TileThread {
  std::string_view tile;
  std::thread* thread;
};

// Pins each of `threads` that `plan` names to its core. A pin for a tile
// with no thread here (vigild runs that tile inside another) is left out
// and said in *notes, as is each pin made and each plan warning. False and
// *error (naming the key) at the first pin that fails.
bool apply_plan(const TilePlan& plan, std::span<const TileThread> threads,
                std::vector<std::string>* notes, std::string* error);

}  // namespace vigil::affinity
