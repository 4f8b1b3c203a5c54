#include "host/service/metrics.hpp"

namespace vigil::service {
namespace {

using prometheus::Histogram;

Histogram::BucketBoundaries powers(double first, double factor, int n) {
  Histogram::BucketBoundaries b;
  for (double v = first; n-- > 0; v *= factor) b.push_back(v);
  return b;
}

}  // namespace

std::string_view status_label(vigil_error status) {
  switch (status) {
    case VIGIL_OK:
      return "ok";
    case VIGIL_ERR_OVERLOADED:
      return "overloaded";
    case VIGIL_ERR_TOO_LARGE:
      return "too_large";
    case VIGIL_ERR_DEADLINE:
      return "deadline";
    case VIGIL_ERR_MALFORMED:
      return "malformed";
    case VIGIL_ERR_BAD_RULES:
      return "bad_rules";
    case VIGIL_ERR_BAD_SCHEME:
      return "bad_scheme";
    case VIGIL_ERR_UNKNOWN_VERSION:
      return "unknown_version";
    case VIGIL_ERR_UNAUTHENTICATED:
      return "unauthenticated";
    default:
      return "other";
  }
}

ServiceMetrics::ServiceMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      requests_(prometheus::BuildCounter()
                    .Name("vigil_service_requests_total")
                    .Help("Service requests answered, by client and status")
                    .Register(*registry_)),
      signatures_(prometheus::BuildCounter()
                      .Name("vigil_service_signatures_total")
                      .Help("Signatures in answered requests, by client and status")
                      .Register(*registry_)),
      refusals_(prometheus::BuildCounter()
                    .Name("vigil_service_refusals_total")
                    .Help("Connections or requests refused, by reason")
                    .Register(*registry_)),
      queue_depth_(prometheus::BuildGauge()
                       .Name("vigil_service_queue_signatures")
                       .Help("Signatures waiting in the coalescer")
                       .Register(*registry_)
                       .Add({})),
      connections_(prometheus::BuildGauge()
                       .Name("vigil_service_connections")
                       .Help("Open client connections")
                       .Register(*registry_)
                       .Add({})),
      batch_size_(prometheus::BuildHistogram()
                      .Name("vigil_service_batch_signatures")
                      .Help("Signatures per coalesced engine batch")
                      .Register(*registry_)
                      .Add({}, powers(1, 2, 17))),
      batch_requests_(prometheus::BuildHistogram()
                          .Name("vigil_service_batch_requests")
                          .Help("Requests merged into one engine batch")
                          .Register(*registry_)
                          .Add({}, powers(1, 2, 12))),
      queue_delay_(prometheus::BuildHistogram()
                       .Name("vigil_service_queue_delay_seconds")
                       .Help("Time a request waited in the coalescer")
                       .Register(*registry_)
                       .Add({}, powers(1e-6, 2, 24))),
      latency_(prometheus::BuildHistogram()
                   .Name("vigil_service_latency_seconds")
                   .Help("Request receipt to answer")
                   .Register(*registry_)
                   .Add({}, powers(1e-6, 2, 24))) {}

void ServiceMetrics::request(const std::string& client, vigil_error status, uint32_t n) {
  const prometheus::Labels labels{{"client", client},
                                  {"status", std::string(status_label(status))}};
  requests_.Add(labels).Increment();
  signatures_.Add(labels).Increment(n);
}

void ServiceMetrics::refusal(std::string_view reason) {
  refusals_.Add({{"reason", std::string(reason)}}).Increment();
}

void ServiceMetrics::latency(double seconds) {
  latency_.Observe(seconds);
}
void ServiceMetrics::connections(int delta) {
  connections_.Increment(delta);
}
void ServiceMetrics::batch(uint32_t signatures, uint32_t requests) {
  batch_size_.Observe(signatures);
  batch_requests_.Observe(requests);
}
void ServiceMetrics::queue_delay(double seconds) {
  queue_delay_.Observe(seconds);
}
void ServiceMetrics::queue_depth(uint64_t signatures) {
  queue_depth_.Set(double(signatures));
}

}  // namespace vigil::service
