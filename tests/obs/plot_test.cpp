#include "host/plot/plot.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

using vigil::plot::Chart;
using vigil::plot::Table;

Table verify_table() {
  Table t;
  t.columns = {"engine", "batch", "per_sec"};
  t.add_row({"portable", "64", "70000"});
  t.add_row({"avx2", "64", "90000"});
  t.add_row({"portable", "256", "76000"});
  t.add_row({"avx2", "256", "105000"});
  return t;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::filesystem::path scratch(const std::string& name) {
  return std::filesystem::temp_directory_path() / (name + "." + std::to_string(getpid()));
}

TEST(Plot, CsvQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(vigil::plot::csv_cell("avx2"), "avx2");
  EXPECT_EQ(vigil::plot::csv_cell("a,b"), "\"a,b\"");
  EXPECT_EQ(vigil::plot::csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
  Table t = verify_table();
  t.add_row({"odd,name", "1", "2"});
  const auto path = scratch("plot_test.csv");
  ASSERT_EQ(vigil::plot::write_csv(t, path), "");
  EXPECT_EQ(slurp(path),
            "engine,batch,per_sec\nportable,64,70000\navx2,64,90000\nportable,256,76000\n"
            "avx2,256,105000\n\"odd,name\",1,2\n");
  std::filesystem::remove(path);
}

TEST(Plot, UnwritableCsvIsAMessage) {
  EXPECT_NE(vigil::plot::write_csv(verify_table(), "/nonexistent-dir/x.csv"), "");
}

TEST(Plot, ScriptHasOneSeriesPerEngineInOrder) {
  Chart c{.title = "verify", .x = "batch", .y = "per_sec", .series = "engine"};
  const std::string s = vigil::plot::gnuplot_script(verify_table(), c, "/tmp/x.svg");
  EXPECT_NE(s.find("$d0 << EOD\n64\t70000\n256\t76000\nEOD"), std::string::npos) << s;
  EXPECT_NE(s.find("$d1 << EOD\n64\t90000\n256\t105000\nEOD"), std::string::npos) << s;
  EXPECT_NE(s.find("title 'portable'"), std::string::npos);
  EXPECT_NE(s.find("title 'avx2'"), std::string::npos);
  EXPECT_EQ(s.find("$d2"), std::string::npos);
}

TEST(Plot, UnknownColumnIsRefused) {
  Chart c{.title = "t", .x = "nope", .y = "per_sec"};
  EXPECT_NE(vigil::plot::plot_svg(verify_table(), c, "/tmp/never.svg"), "");
}

TEST(Plot, GnuplotDrawsAnSvg) {
  if (!vigil::plot::gnuplot_available()) GTEST_SKIP() << "gnuplot not installed (gnuplot-nox)";
  for (auto kind : {Chart::Kind::lines, Chart::Kind::bars}) {
    Chart c{.kind = kind, .title = "verify rate", .x = "batch", .y = "per_sec", .series = "engine"};
    const auto path = scratch("plot_test.svg");
    ASSERT_EQ(vigil::plot::plot_svg(verify_table(), c, path), "");
    const std::string svg = slurp(path);
    EXPECT_NE(svg.find("<svg"), std::string::npos);
    EXPECT_NE(svg.find("portable"), std::string::npos);
    EXPECT_NE(svg.find("avx2"), std::string::npos);
    std::filesystem::remove(path);
  }
}

// Throughput next to latency: one SVG, two panels; the second chart's data
// blocks are numbered on from the first's, and each chart sets its own axes.
TEST(Plot, TwoChartsShareOneSvg) {
  Table t = verify_table();
  t.columns.push_back("p50_us");
  for (auto& row : t.rows) row.push_back("12.5");
  const Chart charts[] = {
      {.title = "rate", .x = "batch", .y = "per_sec", .series = "engine", .log_y = true},
      {.title = "latency", .x = "batch", .y = "p50_us", .series = "engine"}};
  const std::string s = vigil::plot::gnuplot_script(t, charts, "/tmp/x.svg");
  EXPECT_NE(s.find("set terminal svg size 1500,520"), std::string::npos) << s;
  EXPECT_NE(s.find("set multiplot layout 1,2"), std::string::npos) << s;
  EXPECT_NE(s.find("$d2 << EOD\n64\t12.5\n256\t12.5\nEOD"), std::string::npos) << s;
  EXPECT_NE(s.find("plot $d2 using 1:2"), std::string::npos) << s;
  EXPECT_EQ(s.find("$d4"), std::string::npos) << s;
  // The latency panel does not inherit the rate panel's log scale.
  const size_t second = s.find("set title 'latency'");
  ASSERT_NE(second, std::string::npos);
  EXPECT_EQ(s.find("set logscale y", second), std::string::npos) << s;
  EXPECT_LT(s.rfind("reset", second), second);
  EXPECT_NE(s.find("unset multiplot"), std::string::npos);
  if (!vigil::plot::gnuplot_available()) GTEST_SKIP() << "gnuplot not installed (gnuplot-nox)";
  const auto path = scratch("plot_test_two.svg");
  ASSERT_EQ(vigil::plot::plot_svg(t, charts, path), "");
  const std::string svg = slurp(path);
  EXPECT_NE(svg.find("rate"), std::string::npos);
  EXPECT_NE(svg.find("latency"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(Plot, NoRowsNoChart) {
  Table t = verify_table();
  t.rows.clear();
  Chart c{.title = "t", .x = "batch", .y = "per_sec"};
  EXPECT_NE(vigil::plot::plot_svg(t, c, "/tmp/never.svg").find("no rows"), std::string::npos);
  EXPECT_NE(vigil::plot::plot_svg(t, std::span<const Chart>{}, "/tmp/never.svg"), "");
}

}  // namespace
