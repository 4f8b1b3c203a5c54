#!/usr/bin/env bash
# prometheus_cluster.sh BIN_DIR: a real Prometheus server scrapes a 4-node
# vigild cluster on loopback; the test reads vigil_committed_height of every
# node back through Prometheus's HTTP API. Opt-in (ctest label soak).
set -euo pipefail
bin=$1
command -v prometheus >/dev/null || { echo "SKIP: prometheus not installed (Debian package prometheus)"; exit 77; }
work=$(mktemp -d /tmp/vigil-prom.XXXXXX)
base=$((23000 + ($$ % 200) * 30))
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
"$bin/vigil" genesis --validators 4 --accounts 16 --out "$work" --base-port "$base" --log-level warn >/dev/null
targets=
for i in 0 1 2 3; do
  "$bin/vigild" --config "$work/node-$i/vigild.toml" >"$work/node-$i.log" 2>&1 &
  pids+=($!)
  targets+="${targets:+, }'127.0.0.1:$((base + 3 * i + 2))'"
done
prom_port=$((base + 20))
cat >"$work/prometheus.yml" <<YML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: vigil
    static_configs: [{targets: [$targets]}]
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  answer=$(python3 - "$prom_port" <<'PY' 2>/dev/null || true
import json, sys, urllib.request
r = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/query?query=vigil_committed_height", timeout=2))
rows = [(x["metric"]["instance"], float(x["value"][1])) for x in r["data"]["result"]]
print(" ".join(f"{i}={int(v)}" for i, v in sorted(rows)) if len(rows) == 4 and all(v > 2 for _, v in rows) else "")
PY
)
  if [[ -n $answer ]]; then echo "ok: Prometheus scraped vigil_committed_height from 4 nodes: $answer"; exit 0; fi
  sleep 1
done
echo "FAIL: Prometheus never returned vigil_committed_height > 2 for all 4 nodes"
tail -5 "$work/prometheus.log"
exit 1
