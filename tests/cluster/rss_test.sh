#!/usr/bin/env bash
# Bounded memory: 4 validators under more load than they commit (every
# queue and the mempool fill, the verify tile sheds). Each node's RSS in
# the second half of the load must stay near what it was at the middle:
# a buffer that grew with the number of transactions (the mempool backlog
# did, about 1 KB per frame, before it was bounded) fails this.
#   rss_test.sh BIN_DIR
set -euo pipefail
bin=$1
out=$("$bin/vigil" cluster --nodes 4 --seconds 24 --rate 30000 --invalid-share 0 --json) || true
echo "$out"
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
grew = [(n["end"] - n["mid"]) // 1024 for n in r["rss_kib"]]
checks = [
    ("4 nodes measured mid-load and at the end", len(grew) == 4 and all(n["mid"] > 0 for n in r["rss_kib"])),
    ("over 300,000 frames offered", r["sent"] > 300000),
    ("frames shed or refused (the load was over capacity)", r["rejected"].get("shed_mempool_full", 0) + r["rejected"].get("mempool_full", 0) > 0),
    ("each node's RSS grew under 48 MiB in the second half (%s MiB)" % grew, all(g < 48 for g in grew)),
    ("the chain stayed whole", r["agree"] and r["audit_ok"]),
]
for name, ok in checks:
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(0 if all(ok for _, ok in checks) else 1)
PY
