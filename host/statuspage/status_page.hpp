// The operator's status page that vigild serves at `/`: one HTML document
// with its script and styles inline, compiled into the binary (no files to
// install, nothing fetched from the network). In the browser it polls the
// node's own `/status` (JSON) and `/metrics` (Prometheus text) and draws:
// committed height and round, TPS and commit latency over the last minutes,
// peers, per-stage queue depths and drops by reason, engine and device
// faults, equivocation evidence.
#pragma once

#include <string_view>

namespace vigil::statuspage {

// The page (text/html; charset=utf-8), from host/statuspage/index.html.
std::string_view html();

}  // namespace vigil::statuspage
