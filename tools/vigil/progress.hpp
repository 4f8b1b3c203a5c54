// Progress of long work (audit, many sim seeds, long benches, a cluster
// run): one line redrawn in place on a terminal, at most ten times a second.
// Quiet when stdout is not a terminal, so piped and --json output stays
// exactly the result.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace vigil::tool {

class Progress {
 public:
  // total == 0: the amount of work is unknown (a count, no bar). force:
  // draw even when stdout is not a terminal (`vigil sim --progress`).
  Progress(std::string label, uint64_t total, bool force = false);
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void update(uint64_t done, const std::string& note = {});
  void finish();  // clears the line; idempotent

  static bool enabled();  // stdout is a terminal

 private:
  void draw(uint64_t done, const std::string& note);

  std::string label_;
  uint64_t total_;
  bool on_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace vigil::tool
