#!/usr/bin/env bash
# with_node.sh BIN_DIR -- CMD [ARGS...]
# Starts a real one-validator vigild (genesis in a scratch folder, loopback
# ports derived from this process's id), waits until it has committed a few
# blocks, runs CMD with VIGIL_HTTP=HOST:PORT of its API and VIGIL_ACCOUNTS
# set, then stops the node gracefully. Exits with CMD's status (77 = skip).
set -euo pipefail
bin=$1
shift
[[ ${1:-} == -- ]] && shift
work=$(mktemp -d /tmp/vigil-obs.XXXXXX)
base=$((20000 + ($$ % 400) * 30))
node_pid=
cleanup() {
  if [[ -n $node_pid ]]; then
    kill -TERM "$node_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$node_pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$node_pid" 2>/dev/null; then
      echo "with_node: vigild did not stop within 10 s of SIGTERM; killed" >&2
      kill -KILL "$node_pid" 2>/dev/null || true
    fi
    wait "$node_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

"$bin/vigil" genesis --validators 1 --accounts 16 --out "$work" --base-port "$base" \
  --log-level warn >/dev/null
"$bin/vigild" --config "$work/node-0/vigild.toml" >"$work/vigild.log" 2>&1 &
node_pid=$!
export VIGIL_HTTP="127.0.0.1:$((base + 2))" VIGIL_ACCOUNTS="$work/accounts.jsonl" VIGIL_BIN="$bin"
height=0
for _ in $(seq 1 150); do
  height=$(python3 - "$VIGIL_HTTP" <<'PY' 2>/dev/null || echo 0
import json, sys, urllib.request
print(json.load(urllib.request.urlopen(f"http://{sys.argv[1]}/status", timeout=2))["height"])
PY
)
  ((height >= 3)) && break
  kill -0 "$node_pid" 2>/dev/null || { echo "vigild exited:"; tail -20 "$work/vigild.log"; exit 1; }
  sleep 0.2
done
((height >= 3)) || { echo "vigild committed nothing in 30 s (height $height)"; tail -20 "$work/vigild.log"; exit 1; }
set +e
"$@"
rc=$?
set -e
exit $rc
