// Results people compare, as files: a table written as CSV, and the same
// table drawn as an SVG chart by gnuplot (Debian gnuplot-nox).
//
// Promise: write_csv and plot_svg never throw; each returns an empty string
// on success or one line saying what failed (a file that cannot be written,
// gnuplot missing or failing). A missing gnuplot never fails a benchmark:
// its caller prints the line and carries on.
#pragma once

#include <span>
#include <string>
#include <vector>

namespace vigil::plot {

// One header of column names and rows of cells, every row as wide as the
// header. Numbers are written by the caller, so the CSV holds exactly what
// the benchmark printed.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;

  void add_row(std::vector<std::string> cells) { rows.push_back(std::move(cells)); }
  // Index of `name` in columns, or -1.
  int column(const std::string& name) const;
};

// What to draw: y against x, one line (or bar group) per distinct value of
// the `series` column (every row in one series when it is empty).
struct Chart {
  enum class Kind { lines, bars };
  Kind kind = Kind::lines;
  std::string title;
  std::string x;       // column name; numeric for lines, a label for bars
  std::string y;       // column name, numeric
  std::string series;  // column name or ""
  std::string xlabel;
  std::string ylabel;
  bool log_x = false;
  bool log_y = false;
};

std::string write_csv(const Table& table, const std::string& path);

// Quotes a cell for CSV when it holds a comma, quote or newline.
std::string csv_cell(const std::string& cell);

// The gnuplot script (data inline) that plot_svg runs: exposed for tests.
std::string gnuplot_script(const Table& table, const Chart& chart, const std::string& svg_path);
// Several charts of one table side by side in one SVG (throughput next to
// latency); their data blocks are numbered on across the charts.
std::string gnuplot_script(const Table& table, std::span<const Chart> charts,
                           const std::string& svg_path);

std::string plot_svg(const Table& table, const Chart& chart, const std::string& svg_path);
std::string plot_svg(const Table& table, std::span<const Chart> charts,
                     const std::string& svg_path);

// True when a `gnuplot` binary is on PATH.
bool gnuplot_available();

}  // namespace vigil::plot
