#include "bench_output.hpp"

#include <cstdio>

namespace vigil::tool {

void BenchOutput::add_options(CLI::App& app) {
  app.add_option("--csv", csv, "Also write the result rows to this CSV file");
  app.add_option("--plot", plot, "Also draw the results as an SVG chart (gnuplot)");
}

bool BenchOutput::emit(const plot::Table& table, const plot::Chart& chart) const {
  bool ok = true;
  if (!csv.empty()) {
    const std::string err = plot::write_csv(table, csv);
    ok = err.empty();
    std::fprintf(stderr, "%s\n", ok ? ("csv: " + csv).c_str() : err.c_str());
  }
  if (!plot.empty()) {
    const std::string err = plot::plot_svg(table, chart, plot);
    std::fprintf(stderr, "%s\n", err.empty() ? ("plot: " + plot).c_str() : err.c_str());
  }
  return ok;
}

}  // namespace vigil::tool
