// Prometheus metrics (prometheus-cpp core) served as text on the HTTP port.
// Names follow the conventions: `vigil_` prefix, base units, `_total`
// counters, `_seconds` histograms, reasons as labels (never per peer or per
// key). Components keep plain counters on their hot paths; the node copies
// them here once per publish (`set_total` turns a running total into
// counter increments), so a scrape never touches a tile.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vigil::metrics {

using Labels = std::map<std::string, std::string>;

class Metrics {
 public:
  Metrics() : registry_(std::make_shared<prometheus::Registry>()) {}

  prometheus::Counter& counter(const std::string& name, const std::string& help,
                               const Labels& labels = {});
  prometheus::Gauge& gauge(const std::string& name, const std::string& help,
                           const Labels& labels = {});
  prometheus::Histogram& histogram(const std::string& name, const std::string& help,
                                   const std::vector<double>& buckets, const Labels& labels = {});

  // Raises `c` to `total` (a counter only goes up; a smaller total is ignored).
  static void set_total(prometheus::Counter& c, uint64_t total);

  // The text exposition format, for GET /metrics.
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::map<std::string, prometheus::Family<prometheus::Counter>*> counters_;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauges_;
  std::map<std::string, prometheus::Family<prometheus::Histogram>*> histograms_;
};

// Latency buckets in seconds, 100 us to 30 s.
std::vector<double> latency_buckets();
// Size buckets, 1 to 8192 in powers of two.
std::vector<double> size_buckets();

}  // namespace vigil::metrics
