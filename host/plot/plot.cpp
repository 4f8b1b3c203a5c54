#include "host/plot/plot.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace vigil::plot {
namespace {

// gnuplot strings are single-quoted; a quote inside is doubled.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += (c == '\'') ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Series names in order of first appearance, each with its row indices.
std::vector<std::pair<std::string, std::vector<size_t>>> split_series(const Table& t, int col) {
  std::vector<std::pair<std::string, std::vector<size_t>>> out;
  std::map<std::string, size_t> index;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const std::string key = col < 0 ? std::string() : t.rows[r][col];
    auto [it, fresh] = index.emplace(key, out.size());
    if (fresh) out.push_back({key, {}});
    out[it->second].second.push_back(r);
  }
  return out;
}

void write_terminal(std::ostringstream& s, size_t charts, const std::string& svg) {
  s << "set terminal svg size " << 900 + 600 * (charts - 1)
    << ",520 dynamic enhanced font 'sans,12' background '#ffffff'\n"
    << "set output " << quoted(svg) << "\n"
    << "set datafile separator '\\t'\n";
  if (charts > 1) s << "set multiplot layout 1," << charts << "\n";
}

// One chart's settings, data blocks ($d<first>, $d<first+1>, ...) and plot
// command; every setting a previous chart may have changed is set again.
void write_chart(std::ostringstream& s, const Table& table, const Chart& c, size_t first) {
  const int xc = table.column(c.x), yc = table.column(c.y);
  const auto series = split_series(table, table.column(c.series));
  s << "reset\nset datafile separator '\\t'\n"
    << "set title " << quoted(c.title) << " noenhanced\n"
    << "set xlabel " << quoted(c.xlabel.empty() ? c.x : c.xlabel) << " noenhanced\n"
    << "set ylabel " << quoted(c.ylabel.empty() ? c.y : c.ylabel) << " noenhanced\n"
    << "set grid ytics\nset key outside right top noenhanced\n";
  if (c.log_x) s << "set logscale x 2\n";
  if (c.log_y) s << "set logscale y\n";
  for (size_t i = 0; i < series.size(); ++i) {
    s << "$d" << first + i << " << EOD\n";
    for (size_t r : series[i].second) s << table.rows[r][xc] << "\t" << table.rows[r][yc] << "\n";
    s << "EOD\n";
  }
  if (c.kind == Chart::Kind::bars) {
    s << "set style data histogram\nset style histogram clustered gap 1\n"
      << "set style fill solid 0.85 border -1\nset boxwidth 0.9\nset xtics rotate by -30\n"
      << "set yrange [0:*]\n";
  }
  s << "plot ";
  for (size_t i = 0; i < series.size(); ++i) {
    const std::string title = series[i].first.empty() ? c.y : series[i].first;
    s << (i ? ", " : "") << "$d" << first + i;
    if (c.kind == Chart::Kind::bars) {
      s << " using 2:xtic(1) title " << quoted(title);
    } else {
      s << " using 1:2 with linespoints lw 2 pt 7 title " << quoted(title);
    }
  }
  s << "\n";
}

}  // namespace

int Table::column(const std::string& name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == name) return static_cast<int>(i);
  }
  return -1;
}

std::string csv_cell(const std::string& cell) {
  if (cell.find_first_of(",\"\n") == std::string::npos) return cell;
  std::string out = "\"";
  for (char c : cell) out += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string write_csv(const Table& table, const std::string& path) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) return "cannot write " + path;
  auto line = [&out](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) out << (i ? "," : "") << csv_cell(cells[i]);
    out << "\n";
  };
  line(table.columns);
  for (const auto& row : table.rows) line(row);
  out.flush();
  return out ? std::string() : "write failed: " + path;
}

std::string gnuplot_script(const Table& table, std::span<const Chart> charts,
                           const std::string& svg_path) {
  std::ostringstream s;
  write_terminal(s, charts.size(), svg_path);
  size_t first = 0;
  for (const Chart& c : charts) {
    write_chart(s, table, c, first);
    first += split_series(table, table.column(c.series)).size();
  }
  if (charts.size() > 1) s << "unset multiplot\n";
  return s.str();
}

std::string gnuplot_script(const Table& table, const Chart& chart, const std::string& svg_path) {
  return gnuplot_script(table, std::span(&chart, 1), svg_path);
}

bool gnuplot_available() {
  return std::system("command -v gnuplot >/dev/null 2>&1") == 0;
}

std::string plot_svg(const Table& table, std::span<const Chart> charts,
                     const std::string& svg_path) {
  if (charts.empty()) return "plot: no chart";
  for (const Chart& c : charts) {
    if (table.column(c.x) < 0 || table.column(c.y) < 0) {
      return "plot: no column '" + c.x + "' or '" + c.y + "'";
    }
  }
  if (table.rows.empty()) return "plot: no rows to draw; no plot written";
  if (!gnuplot_available()) {
    return "plot: gnuplot not found (Debian package gnuplot-nox); no plot written";
  }
  FILE* p = popen("gnuplot 2>&1", "w");
  if (p == nullptr) return "plot: cannot start gnuplot";
  const std::string script = gnuplot_script(table, charts, svg_path);
  fwrite(script.data(), 1, script.size(), p);
  const int rc = pclose(p);
  if (rc != 0) return "plot: gnuplot failed (status " + std::to_string(WEXITSTATUS(rc)) + ")";
  return {};
}

std::string plot_svg(const Table& table, const Chart& chart, const std::string& svg_path) {
  return plot_svg(table, std::span(&chart, 1), svg_path);
}

}  // namespace vigil::plot
