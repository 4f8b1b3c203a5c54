#!/usr/bin/env bash
# Under load (a loadgen aimed at node 0 of the with_node.sh cluster),
# `vigil monitor --once` prints a row for every tile vigild runs, each with
# items in and out during its interval.
set -euo pipefail
"$VIGIL_BIN/vigil" loadgen --target "$VIGIL_UDP" --http "$VIGIL_HTTP" --keys "$VIGIL_ACCOUNTS" \
  --rate 400 --seconds 6 >/dev/null 2>&1 &
load=$!
trap 'kill $load 2>/dev/null || true; wait $load 2>/dev/null || true' EXIT
sleep 2
"$VIGIL_BIN/vigil" monitor --once --interval 2 "$VIGIL_HTTP" | tee /tmp/monitor.$$ >&2
python3 - /tmp/monitor.$$ <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
rm = [l for l in lines if l.split()[:3] == ["tile", "in/s", "out/s"]]
if not rm:
    sys.exit("no table heading")
rows = {}
for l in lines[lines.index(rm[0]) + 1:]:
    f = l.split()
    if len(f) == 7:
        rows[f[0]] = (float(f[1]), float(f[2]))
want = ["verify", "mempool", "consensus", "execution", "p2p", "rpc"]
bad = [t for t in want if t not in rows or rows[t][0] <= 0 or rows[t][1] <= 0]
for t in want:
    print(("ok   " if t not in bad else "FAIL ") + t, rows.get(t, "no row"))
sys.exit(1 if bad else 0)
PY
rm -f /tmp/monitor.$$
