#include "host/metrics/tile_metrics.hpp"

namespace vigil::metrics {

TileMetrics::TileMetrics(Metrics& m, std::string tile, bool measures_busy)
    : m_(m),
      tile_(std::move(tile)),
      in_(&m.counter("vigil_tile_in_total", "Items a tile took in", {{"tile", tile_}})),
      out_(&m.counter("vigil_tile_out_total", "Items a tile passed on", {{"tile", tile_}})),
      busy_(measures_busy ? &m.counter("vigil_tile_busy_seconds_total", "Time a tile spent working",
                                       {{"tile", tile_}})
                          : nullptr),
      depth_(&m.gauge("vigil_tile_queue_depth", "Items waiting at a tile's input",
                      {{"tile", tile_}})) {}

void TileMetrics::publish(uint64_t in_total, uint64_t out_total, double queue_depth,
                          uint64_t busy_ns) {
  Metrics::set_total(*in_, in_total);
  Metrics::set_total(*out_, out_total);
  depth_->Set(queue_depth);
  const double busy = double(busy_ns) * 1e-9;
  if (busy_ && busy > busy_->Value()) busy_->Increment(busy - busy_->Value());
}

void TileMetrics::dropped(const std::string& reason, uint64_t total) {
  auto it = drops_.find(reason);
  if (it == drops_.end())
    it = drops_
             .emplace(reason, &m_.counter("vigil_tile_dropped_total", "Items a tile dropped",
                                          {{"tile", tile_}, {"reason", reason}}))
             .first;
  Metrics::set_total(*it->second, total);
}

}  // namespace vigil::metrics
