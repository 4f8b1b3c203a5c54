#include "bench_output.hpp"

#include <cmath>
#include <cstdio>

namespace vigil::tool {

void BenchOutput::add_options(CLI::App& app) {
  app.add_option("--csv", csv, "Also write the result rows to this CSV file");
  app.add_option("--plot", plot, "Also draw the results as an SVG chart (gnuplot)");
}

bool BenchOutput::emit(const plot::Table& table, std::span<const plot::Chart> charts) const {
  bool ok = true;
  if (!csv.empty()) {
    const std::string err = plot::write_csv(table, csv);
    ok = err.empty();
    std::fprintf(stderr, "%s\n", ok ? ("csv: " + csv).c_str() : err.c_str());
  }
  if (!plot.empty()) {
    const std::string err = plot::plot_svg(table, charts, plot);
    std::fprintf(stderr, "%s\n", err.empty() ? ("plot: " + plot).c_str() : err.c_str());
  }
  return ok;
}

std::array<plot::Chart, 2> rate_latency_charts(const std::string& rate_title,
                                               const std::string& latency_title,
                                               const std::string& size, const std::string& xlabel,
                                               const std::string& latency) {
  plot::Chart rate{.title = rate_title,
                   .x = size,
                   .y = "per_sec",
                   .series = "path",
                   .xlabel = xlabel,
                   .ylabel = "verifications per second",
                   .log_x = true,
                   .log_y = true};
  plot::Chart lat = rate;
  lat.title = latency_title;
  lat.y = latency;
  lat.ylabel = "microseconds";
  return {rate, lat};
}

std::string cell(double v, int decimals) {
  if (!std::isfinite(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

plot::Table table_of(const nlohmann::json& rows) {
  plot::Table t;
  if (!rows.is_array()) return t;
  for (const auto& row : rows) {
    for (const auto& [key, value] : row.items()) {
      if (t.column(key) < 0) t.columns.push_back(key);
    }
  }
  for (const auto& row : rows) {
    std::vector<std::string> cells;
    for (const std::string& key : t.columns) {
      const auto it = row.find(key);
      if (it == row.end() || it->is_null()) {
        cells.emplace_back();
      } else {
        cells.push_back(it->is_string() ? it->get<std::string>() : it->dump());
      }
    }
    t.add_row(std::move(cells));
  }
  return t;
}

}  // namespace vigil::tool
