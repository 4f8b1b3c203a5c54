// One tile's row in `vigil monitor` (fdctl monitor's columns), under the
// label `tile`:
//   vigil_tile_in_total              items the tile took in
//   vigil_tile_out_total             items it passed on
//   vigil_tile_queue_depth           items waiting at its input
//   vigil_tile_dropped_total{reason} items it dropped, by reason
//   vigil_tile_busy_seconds_total    time it spent working (not waiting)
// The tile keeps plain counters and calls publish() from its own thread now
// and then; totals only go up (Metrics::set_total).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "host/metrics/metrics.hpp"

namespace vigil::metrics {

class TileMetrics {
 public:
  // `measures_busy` false: the tile's time is not measured (no busy series).
  TileMetrics(Metrics& m, std::string tile, bool measures_busy = true);
  void publish(uint64_t in_total, uint64_t out_total, double queue_depth, uint64_t busy_ns);
  void dropped(const std::string& reason, uint64_t total);

 private:
  Metrics& m_;
  std::string tile_;
  prometheus::Counter *in_, *out_, *busy_;
  prometheus::Gauge* depth_;
  std::map<std::string, prometheus::Counter*> drops_;
};

}  // namespace vigil::metrics
