#include "host/metrics/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace vigil::metrics {

prometheus::Counter& Metrics::counter(const std::string& name, const std::string& help,
                                      const Labels& labels) {
  auto& f = counters_[name];
  if (!f) f = &prometheus::BuildCounter().Name(name).Help(help).Register(*registry_);
  return f->Add(labels);
}

prometheus::Gauge& Metrics::gauge(const std::string& name, const std::string& help,
                                  const Labels& labels) {
  auto& f = gauges_[name];
  if (!f) f = &prometheus::BuildGauge().Name(name).Help(help).Register(*registry_);
  return f->Add(labels);
}

prometheus::Histogram& Metrics::histogram(const std::string& name, const std::string& help,
                                          const std::vector<double>& buckets,
                                          const Labels& labels) {
  auto& f = histograms_[name];
  if (!f) f = &prometheus::BuildHistogram().Name(name).Help(help).Register(*registry_);
  return f->Add(labels, buckets);
}

void Metrics::set_total(prometheus::Counter& c, uint64_t total) {
  const double now = c.Value();
  if (double(total) > now) c.Increment(double(total) - now);
}

std::string Metrics::render() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30};
}

std::vector<double> size_buckets() {
  std::vector<double> b;
  for (double x = 1; x <= 8192; x *= 2) b.push_back(x);
  return b;
}

}  // namespace vigil::metrics
