#!/usr/bin/env bash
# The cluster test: 4 validators on loopback under load; validator 3 is
# SIGKILLed and restarted at random moments (at least three times); the
# others keep committing; it catches up; all agree on every committed
# height (over the API and in the stores), every transaction /tx reported
# committed is on every node, every node stops cleanly on SIGTERM, and
# `vigil audit` passes on every node's ledger.
#   cluster_test.sh BIN_DIR
set -euo pipefail
bin=$1
out=$("$bin/vigil" cluster --nodes 4 --seconds 24 --rate 800 --kill-every 4 --kill-node 3 \
      --invalid-share 0.02 --json) || true
echo "$out"
python3 - "$out" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
checks = [
    ("restarted at least 3 times", r["restarts"] >= 3),
    ("the others kept committing (no stall over 8 s)", r["max_stall_seconds"] < 8),
    ("the restarted node caught up", r["caught_up"]),
    ("all agree on every committed height", r["agree"] and r["height"] > 50),
    ("vigil audit passes on every store, the stores agree", r["audit_ok"] and all(a["ok"] for a in r["audits"]) and len(r["audits"]) == 4),
    ("transactions committed", r["committed_txs"] > 1000),
    ("no reported-committed transaction missing", r["committed_missing"] == 0 and r["committed_reported"] > 0),
    ("graceful stop", r["clean_exit"]),
]
bad = [name for name, ok in checks if not ok]
for name, ok in checks:
    print(("ok   " if ok else "FAIL ") + name)
sys.exit(1 if bad else 0)
PY
