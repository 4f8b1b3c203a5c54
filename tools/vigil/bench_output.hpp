// --csv FILE and --plot FILE.svg, shared by every `vigil bench ...`: the
// rows a benchmark printed, as a CSV file and as a gnuplot chart.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "host/plot/plot.hpp"

namespace vigil::tool {

struct BenchOutput {
  std::string csv;
  std::string plot;

  void add_options(CLI::App& app);
  // Writes what was asked for; says on stderr what it wrote or why not (a
  // missing gnuplot is a message, never a failed benchmark). Returns false
  // only when a requested CSV could not be written.
  bool emit(const plot::Table& table, const plot::Chart& chart) const;
};

}  // namespace vigil::tool
