#include "host/promtext/promtext.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace {

constexpr const char* kText =
    "# HELP vigil_drops_total Frames dropped\n"
    "# TYPE vigil_drops_total counter\n"
    "vigil_drops_total{stage=\"ingest\",reason=\"bad_crc\"} 12\n"
    "vigil_drops_total{reason=\"short\",stage=\"ingest\"} 3\n"
    "vigil_drops_total{stage=\"batch\",reason=\"full\"} 1e2\n"
    "# TYPE vigil_commit_latency_seconds histogram\n"
    "vigil_commit_latency_seconds_bucket{le=\"0.1\"} 4\n"
    "vigil_commit_latency_seconds_bucket{le=\"+Inf\"} 9\n"
    "vigil_commit_latency_seconds_sum 1.5\n"
    "vigil_commit_latency_seconds_count 9\n"
    "vigil_committed_height 42 1700000000000\n"
    "vigil_odd{path=\"a\\\"b\\\\c\\nd\"} +Inf\n";

TEST(Promtext, ReadsSamplesLabelsAndTypes) {
  const auto m = vigil::promtext::parse(kText);
  EXPECT_EQ(m.malformed_lines, 0u);
  ASSERT_EQ(m.samples.size(), 9u);
  EXPECT_EQ(m.types.at("vigil_drops_total"), "counter");
  EXPECT_DOUBLE_EQ(m.sum("vigil_drops_total"), 115);
  EXPECT_DOUBLE_EQ(m.sum("vigil_drops_total", {{"stage", "ingest"}}), 15);
  EXPECT_DOUBLE_EQ(m.sum("vigil_drops_total", {{"stage", "ingest"}, {"reason", "short"}}), 3);
  EXPECT_DOUBLE_EQ(m.sum("vigil_committed_height"), 42);  // timestamp ignored
  EXPECT_EQ(m.samples.back().label("path"), "a\"b\\c\nd");
  EXPECT_TRUE(std::isinf(m.samples.back().value));
  EXPECT_EQ(vigil::promtext::family_of(m, "vigil_commit_latency_seconds_bucket"),
            "vigil_commit_latency_seconds");
  EXPECT_EQ(vigil::promtext::family_of(m, "vigil_drops_total"), "vigil_drops_total");
}

TEST(Promtext, MalformedLinesAreCountedNotFatal) {
  const auto m = vigil::promtext::parse(
      "good 1\n"
      "bad{x=\"unterminated} 1\n"
      "9starts_with_digit 1\n"
      "novalue\n"
      "nolabelvalue{x=} 1\n"
      "trailing 1x\n"
      "also_good{a=\"b\"} 2\r\n");
  EXPECT_EQ(m.malformed_lines, 5u);
  ASSERT_EQ(m.samples.size(), 2u);
  EXPECT_EQ(m.samples[1].name, "also_good");
  EXPECT_DOUBLE_EQ(m.samples[1].value, 2);
}

TEST(Promtext, SampleCountIsBounded) {
  std::string text;
  for (size_t i = 0; i < vigil::promtext::kMaxSamples + 10; ++i) text += "x 1\n";
  const auto m = vigil::promtext::parse(text);
  EXPECT_EQ(m.samples.size(), vigil::promtext::kMaxSamples);
  EXPECT_TRUE(m.truncated);
}

}  // namespace
