#!/usr/bin/env bash
# with_node.sh BIN_DIR -- CMD [ARGS...]
# Starts a real cluster of VIGIL_OBS_NODES validators (default 1; genesis in
# a scratch folder, loopback ports derived from this process's id), waits
# until node 0 has committed a few blocks, runs CMD with VIGIL_HTTP and
# VIGIL_UDP of node 0 and VIGIL_ACCOUNTS set, then stops every node with
# SIGTERM. A node that does not exit 0 within 10 s of it fails the run.
# Exits with CMD's status (77 = skip) when the nodes stopped cleanly.
set -euo pipefail
bin=$1
shift
[[ ${1:-} == -- ]] && shift
nodes=${VIGIL_OBS_NODES:-1}
work=$(mktemp -d /tmp/vigil-obs.XXXXXX)
base=$((20000 + ($$ % 400) * 30))
pids=()
stop_nodes() {
  local bad=0 pid rc
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "with_node: vigild $pid did not stop within 10 s of SIGTERM" >&2
      kill -KILL "$pid" 2>/dev/null || true
      bad=1
    fi
    rc=0
    wait "$pid" 2>/dev/null || rc=$?
    if ((rc != 0)); then
      echo "with_node: vigild $pid exited $rc after SIGTERM" >&2
      bad=1
    fi
  done
  pids=()
  return $bad
}
cleanup() {
  stop_nodes || true
  rm -rf "$work"
}
trap cleanup EXIT

"$bin/vigil" genesis --validators "$nodes" --accounts 16 --out "$work" --base-port "$base" \
  --log-level warn >/dev/null
for ((i = 0; i < nodes; i++)); do
  "$bin/vigild" --config "$work/node-$i/vigild.toml" >"$work/vigild-$i.log" 2>&1 &
  pids+=($!)
done
export VIGIL_HTTP="127.0.0.1:$((base + 2))" VIGIL_UDP="127.0.0.1:$((base + 1))"
export VIGIL_ACCOUNTS="$work/accounts.jsonl" VIGIL_BIN="$bin"
height=0
for _ in $(seq 1 150); do
  height=$(python3 - "$VIGIL_HTTP" <<'PY' 2>/dev/null || echo 0
import json, sys, urllib.request
print(json.load(urllib.request.urlopen(f"http://{sys.argv[1]}/status", timeout=2))["height"])
PY
)
  ((height >= 3)) && break
  kill -0 "${pids[0]}" 2>/dev/null || { echo "vigild exited:"; tail -20 "$work/vigild-0.log"; exit 1; }
  sleep 0.2
done
((height >= 3)) || { echo "vigild committed nothing in 30 s (height $height)"; tail -20 "$work/vigild-0.log"; exit 1; }
set +e
"$@"
rc=$?
set -e
stop_nodes || { tail -5 "$work"/vigild-*.log; exit 1; }
exit $rc
