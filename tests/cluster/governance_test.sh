#!/usr/bin/env bash
# Governance reaches the peer network: a genesis of 4 validators and 1
# standby (a key outside the genesis set); validators 0-2 (2f+1 of 4)
# approve a set that adds the standby and drops validator 3; the epoch
# changes; the standby, started from genesis after it, catches up and takes
# part (its /status says validator, epoch 2, its height rises, it proposes
# blocks); validator 3's handshakes are refused as removed_key (another
# node's /metrics counts them); a validator restarted in epoch 2 rejoins
# its set; every node stops cleanly, every ledger
# passes `vigil audit`, and all agree on every committed height they share.
#   governance_test.sh BIN_DIR
set -euo pipefail
bin=$1
work=$(mktemp -d /tmp/vigil-gov.XXXXXX)
# 15 loopback ports (3 per node) that are free now, below the kernel's
# ephemeral range (outgoing connections take ports there), from a place
# derived from this process's id (other suites run beside this one).
base=$(python3 - $$ <<'PY'
import socket, sys
for k in range(480):
    base = 24000 + ((int(sys.argv[1]) + k) % 480) * 16
    try:
        for p in range(base, base + 15):
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                s = socket.socket(socket.AF_INET, kind)
                s.bind(("127.0.0.1", p))
                s.close()
    except OSError:
        continue
    print(base)
    break
PY
)
pids=()
fail() {
  echo "FAIL $*"
  for i in 0 1 2 3 4; do echo "node $i /status: $(q "$i" /status 'json.dumps(j)')"; done
  if [[ -n ${VIGIL_GOV_DEBUG:-} ]]; then
    for i in 0 1 2 3 4; do echo "== node $i";
      curl -s "http://$(http "$i")/metrics" | grep -E "consensus|p2p|proposals_refused|committed_blocks|committed_height|verif" | grep -v " 0$" | grep -v "^#\|bucket" || true
      for h in 109 110 111 112 150; do echo "node $i block $h: $(curl -s "http://$(http "$i")/block/$h")"; done
    done
  fi
  for f in "$work"/vigild-*.log; do
    echo "--- $f"
    tail -15 "$f"
  done
  [[ -z ${VIGIL_GOV_DEBUG:-} ]] || grep -E "sync|epoch|commit" "$work/vigild-4.log" | head -80 || true
  exit 1
}
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
http() { echo "127.0.0.1:$((base + 3 * $1 + 2))"; }
# q NODE PATH EXPR: a field of a node's JSON API (python expression on j), "" when down.
q() {
  python3 - "$(http "$1")" "$2" "$3" <<'PY' 2>/dev/null || echo ""
import json, sys, urllib.request
j = json.load(urllib.request.urlopen(f"http://{sys.argv[1]}{sys.argv[2]}", timeout=2))
print(eval(sys.argv[3]))
PY
}
metric() {
  python3 - "$(http "$1")" "$2" <<'PY' 2>/dev/null || echo 0
import sys, urllib.request
text = urllib.request.urlopen(f"http://{sys.argv[1]}/metrics", timeout=2).read().decode()
print(sum(int(float(l.split()[-1])) for l in text.splitlines() if l.startswith(sys.argv[2])))
PY
}
start_node() {
  "$bin/vigild" --config "$work/node-$1/vigild.toml" >"$work/vigild-$1.log" 2>&1 &
  pids[$1]=$!
}
# wait_for SECONDS WHAT CMD...: polls CMD every 0.2 s until it succeeds.
wait_for() {
  local limit=$1 what=$2
  shift 2
  local end=$((SECONDS + limit))
  until "$@"; do
    ((SECONDS < end)) || fail "$what (not within $limit s)"
    sleep 0.2
  done
  echo "ok   $what"
}
pk() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pk"])' "$work/node-$1/validator.key"; }

"$bin/vigil" genesis --validators 4 --standby 1 --accounts 4 --out "$work" --base-port "$base" \
  --round-timeout-ms 400 --log-level info >/dev/null
for i in 0 1 2 3; do start_node "$i"; done
height_at_least() { local h; h=$(q "$1" /status 'j["height"]'); [[ -n $h ]] && ((h >= $2)); }
wait_for 30 "the genesis validators commit" height_at_least 0 3

# 2f+1 of epoch 1 approve {0, 1, 2, standby}: validator 3 leaves, the standby joins.
keys="$(pk 0),$(pk 1),$(pk 2),$(pk 4)"
for i in 0 1 2; do
  out=$("$bin/vigil" governance validator-set --keys "$keys" --key-file "$work/node-$i/validator.key" \
    --http "$(http "$i")" --wait 20) || fail "approval of validator $i: $out"
  echo "approval $i: $out"
done
in_epoch() { [[ $(q "$1" /status 'j["epoch"]') == "$2" ]]; }
for i in 0 1 2; do wait_for 20 "validator $i is in epoch 2" in_epoch "$i" 2; done

# The standby starts from genesis now, behind the whole chain and the epoch change.
[[ -n ${VIGIL_GOV_DEBUG:-} ]] && sed -i 's/^log_level = .*/log_level = "debug"/' "$work/node-4/vigild.toml"
start_node 4
standby_joined() {
  [[ $(q 4 /status 'str(j["validator"]) + " " + str(j["epoch"])') == "True 2" ]]
}
wait_for 40 "the standby caught up into epoch 2 as a validator" standby_joined
h1=$(q 4 /status 'j["height"]')
rising() { local h; h=$(q 4 /status 'j["height"]'); [[ -n $h ]] && ((h > h1 + 5)); }
wait_for 15 "the standby's committed height rises" rising
# It takes part: blocks of epoch 2 proposed by its index (3 in the new set).
proposed_by_standby() {
  python3 - "$(http 0)" <<'PY'
import json, sys, urllib.request
get = lambda p: json.load(urllib.request.urlopen(f"http://{sys.argv[1]}{p}", timeout=2))
top = get("/status")["height"]
for h in range(top, max(0, top - 60), -1):
    b = get(f"/block/{h}")
    if b["epoch"] == 2 and b["proposer"] == 3:
        sys.exit(0)
sys.exit(1)
PY
}
wait_for 20 "a block proposed by the standby is committed" proposed_by_standby
removed_refused() { (($(metric 0 'vigil_p2p_handshake_refusals_total{reason="removed_key"}') >= 1)); }
wait_for 15 "validator 3's handshakes are refused as removed_key" removed_refused
[[ $(q 0 /status 'j["validator"]') == "True" ]] || fail "validator 0 says it is not in the set"

# A validator restarted in epoch 2 admits that epoch's set from its store
# (not the genesis one): it reconnects to the other three, standby included.
kill -TERM "${pids[1]}"
wait "${pids[1]}" || fail "node 1 exited $? after SIGTERM"
start_node 1
back_in_set() {
  [[ $(q 1 /status 'str(j["epoch"]) + " " + str(j["validator"]) + " " + str(j["peers"])') == "2 True 3" ]]
}
wait_for 20 "validator 1, restarted, is back in epoch 2 with its 3 peers" back_in_set
h1=$(q 1 /status 'j["height"]')
rising1() { local h; h=$(q 1 /status 'j["height"]'); [[ -n $h ]] && ((h > h1 + 3)); }
wait_for 15 "validator 1 commits again" rising1

# Every committed height the nodes share has one block id.
python3 - "$(http 0)" "$(http 1)" "$(http 2)" "$(http 3)" "$(http 4)" <<'PY' || fail "the nodes disagree"
import json, sys, urllib.request
get = lambda a, p: json.load(urllib.request.urlopen(f"http://{a}{p}", timeout=2))
nodes = sys.argv[1:]
tops = [get(a, "/status")["height"] for a in nodes]
common = min(tops)
step = max(1, common // 150)
heights = sorted(set(range(1, common + 1, step)) | {common})
for h in heights:
    ids = {get(a, f"/block/{h}")["block_id"] for a in nodes}
    if len(ids) != 1:
        print(f"height {h}: {ids}")
        sys.exit(1)
print(f"ok   all 5 agree on {len(heights)} heights up to {common} (tops {tops})")
PY

for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
for i in "${!pids[@]}"; do
  rc=0
  timeout 15 tail --pid="${pids[$i]}" -f /dev/null || fail "node $i did not stop within 15 s"
  wait "${pids[$i]}" || rc=$?
  ((rc == 0)) || fail "node $i exited $rc after SIGTERM"
done
pids=()
echo "ok   every node stopped cleanly"
for i in 0 1 2 3 4; do
  "$bin/vigil" audit --json "$work/node-$i/data/ledger" >"$work/audit-$i.json" ||
    fail "vigil audit of node $i: $(cat "$work/audit-$i.json")"
done
echo "ok   vigil audit passes on all 5 ledgers"
