// The service's Prometheus metrics (vigil_service_*), the conventions of
// ../shared/DESIGN.md "Observability": base units, _total counters,
// _seconds histograms, reasons as labels. Clients are labelled by key_label
// (the allowlist bounds how many there are). Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>

#include "host/service/coalescer.hpp"

namespace vigil::service {

// The label value of a request status: "ok", "overloaded", "too_large", ...
std::string_view status_label(vigil_error status);

class ServiceMetrics : public CoalescerObserver {
 public:
  ServiceMetrics();
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  void request(const std::string& client, vigil_error status, uint32_t signatures);
  // Connections refused or closed: unauthenticated, wrong_proof,
  // bad_handshake, handshake_timeout, malformed, idle_timeout, read_timeout,
  // quota, overloaded, too_many_connections.
  void refusal(std::string_view reason);
  void latency(double seconds);  // receipt to answer queued
  void connections(int delta);

  void batch(uint32_t signatures, uint32_t requests) override;
  void queue_delay(double seconds) override;
  void queue_depth(uint64_t signatures) override;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Counter>& signatures_;
  prometheus::Family<prometheus::Counter>& refusals_;
  prometheus::Gauge& queue_depth_;
  prometheus::Gauge& connections_;
  prometheus::Histogram& batch_size_;
  prometheus::Histogram& batch_requests_;
  prometheus::Histogram& queue_delay_;
  prometheus::Histogram& latency_;
};

}  // namespace vigil::service
