#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace vigil::tool {

bool Progress::enabled() {
  return isatty(STDOUT_FILENO) == 1;
}

Progress::Progress(std::string label, uint64_t total, bool force)
    : label_(std::move(label)), total_(total), on_(force || enabled()) {
  start_ = last_ = std::chrono::steady_clock::now();
}

void Progress::update(uint64_t done, const std::string& note) {
  if (!on_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_ < std::chrono::milliseconds(100) && done != total_) return;
  last_ = now;
  draw(done, note);
}

void Progress::draw(uint64_t done, const std::string& note) {
  const double secs = std::chrono::duration<double>(last_ - start_).count();
  std::string line = "\r\033[K" + label_ + " ";
  if (total_ > 0) {
    constexpr int kWidth = 30;
    const uint64_t shown = done > total_ ? total_ : done;
    const int fill = static_cast<int>(shown * kWidth / total_);
    line += "[" + std::string(fill, '#') + std::string(kWidth - fill, '.') + "] ";
    line += std::to_string(shown) + "/" + std::to_string(total_);
    if (shown > 0 && secs > 0) {
      const double eta = secs * static_cast<double>(total_ - shown) / static_cast<double>(shown);
      line += " eta " + std::to_string(static_cast<int>(eta + 0.5)) + "s";
    }
  } else {
    line += std::to_string(done);
  }
  if (!note.empty()) line += "  " + note;
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::finish() {
  if (!on_ || !drawn_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace vigil::tool
