#!/usr/bin/env bash
# promtool_check.sh: `promtool check metrics` on a running node's /metrics
# (under with_node.sh). Skips (77) where Prometheus's promtool is absent.
set -euo pipefail
command -v promtool >/dev/null || { echo "SKIP: promtool not installed (Debian package prometheus)"; exit 77; }
python3 -c "import sys,urllib.request; sys.stdout.write(urllib.request.urlopen('http://$VIGIL_HTTP/metrics').read().decode())" >/tmp/vigil-metrics.$$
out=$(promtool check metrics </tmp/vigil-metrics.$$ 2>&1) && rc=0 || rc=$?
lines=$(grep -c '^vigil_' /tmp/vigil-metrics.$$ || true)
rm -f /tmp/vigil-metrics.$$
if ((rc != 0)) || [[ -n $out ]]; then echo "promtool check metrics found problems:"; echo "$out"; exit 1; fi
echo "ok: promtool check metrics passed on $lines vigil_ samples"
