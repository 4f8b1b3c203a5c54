// Pins the calling thread to one CPU (a tile's loop runs only there).
#pragma once

#include <string>

namespace vigil::affinity {

// Returns false and says why in *error (a CPU outside the process's
// affinity, say) without changing the thread's affinity.
bool pin_this_thread(int cpu, std::string* error);

}  // namespace vigil::affinity
