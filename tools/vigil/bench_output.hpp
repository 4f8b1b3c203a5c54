// --csv FILE and --plot FILE.svg, shared by every `vigil bench ...` (and the
// cluster and loadgen summaries): the rows a benchmark measured, as a CSV
// file and as a gnuplot chart.
#pragma once

#include <CLI/CLI.hpp>
#include <array>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "host/plot/plot.hpp"

namespace vigil::tool {

struct BenchOutput {
  std::string csv;
  std::string plot;

  void add_options(CLI::App& app);
  bool wanted() const { return !csv.empty() || !plot.empty(); }
  // Writes what was asked for; says on stderr what it wrote or why not (a
  // missing gnuplot is a message, never a failed benchmark). Returns false
  // only when a requested CSV could not be written. Several charts are
  // drawn side by side in the one SVG.
  bool emit(const plot::Table& table, std::span<const plot::Chart> charts) const;
  bool emit(const plot::Table& table, const plot::Chart& chart) const {
    return emit(table, std::span(&chart, 1));
  }
};

// Rate and latency against a size, side by side on log-log axes, a line
// per value of the `path` column (accel: by batch, service: by request).
std::array<plot::Chart, 2> rate_latency_charts(const std::string& rate_title,
                                               const std::string& latency_title,
                                               const std::string& size, const std::string& xlabel,
                                               const std::string& latency);

// A cell for a measured figure: fixed point, `decimals` places; NaN and
// infinities as "nan" (gnuplot leaves a gap).
std::string cell(double v, int decimals = 1);

// A JSON array of flat objects (the rows a bench prints with --json) as a
// table: a column for every key any row has, in order of first appearance;
// strings as they are, other values as JSON writes them, a missing one empty.
plot::Table table_of(const nlohmann::json& rows);

}  // namespace vigil::tool
