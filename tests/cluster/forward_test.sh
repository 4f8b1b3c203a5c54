#!/usr/bin/env bash
# Mempool forwarding: under with_node.sh's 4-validator cluster, a loadgen
# aimed at node 0 alone commits, and blocks that the other validators
# proposed carry its transactions (they reached those leaders by forwarding),
# and the chain carries each transaction once.
set -euo pipefail
out=$("$VIGIL_BIN/vigil" loadgen --target "$VIGIL_UDP" --http "$VIGIL_HTTP" \
      --keys "$VIGIL_ACCOUNTS" --rate 300 --seconds 5 --json)
echo "$out"
python3 - "$out" "$VIGIL_HTTP" <<'PY'
import json, sys, urllib.request
r = json.loads(sys.argv[1])
http = sys.argv[2]
get = lambda p: json.load(urllib.request.urlopen(f"http://{http}{p}", timeout=5))
height = get("/status")["height"]
by_proposer = {}
for h in range(1, height + 1):
    b = get(f"/block/{h}")
    by_proposer[b["proposer"]] = by_proposer.get(b["proposer"], 0) + b["tx_count"]
print("transactions by proposer:", by_proposer)
checks = [
    ("committed most of what was sent", r["committed"] >= 0.9 * r["valid"]),
    ("other leaders proposed forwarded transactions",
     sum(v for k, v in by_proposer.items() if k != 0) > 0),
    ("no transaction proposed twice along the chain", sum(by_proposer.values()) == r["valid"]),
]
for name, ok in checks:
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(0 if all(ok for _, ok in checks) else 1)
PY
