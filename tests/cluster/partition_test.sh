#!/usr/bin/env bash
# The partition test (after Jepsen and CometBFT's e2e runner, without
# containers): 4 validators, each in its own network namespace, joined by
# veth pairs on a bridge (in a namespace of its own: the host's network is
# never touched); partitions are nftables rules inside the namespaces.
#   1. 2|2 split: no node commits and nothing forks;
#   2. healed: all commit again;
#   3. node 3 cut off: the other three commit, node 3 does not;
#   4. healed: node 3 catches up and all agree on every height.
#   partition_test.sh BIN_DIR     (exit 77 where namespaces cannot be made)
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
tag=vp$$
skip() { echo "skip: $*"; exit 77; }
((EUID == 0)) || skip "needs root for network namespaces"
command -v nft >/dev/null || skip "nft (Debian nftables) is not installed"
ip netns add "$tag-probe" 2>/dev/null || skip "ip netns add does not work here"
ip netns del "$tag-probe"
ip netns add "$tag-probe"
if ! ip netns exec "$tag-probe" nft add table inet probe 2>/dev/null; then
  ip netns del "$tag-probe"
  skip "nftables does not work inside a network namespace here"
fi
ip netns del "$tag-probe"

n=4
base=24000
work=$(mktemp -d /tmp/vigil-partition.XXXXXX)
pids=()
ns() { echo "$tag-n$1"; }
addr() { echo "10.77.0.$(($1 + 1))"; }
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for ((i = 0; i < n; i++)); do ip netns del "$(ns $i)" 2>/dev/null || true; done
  ip netns del "$tag-br" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The network: one bridge, one veth pair per validator.
ip netns add "$tag-br"
ip -n "$tag-br" link add br0 type bridge
ip -n "$tag-br" link set br0 up
ip -n "$tag-br" addr add 10.77.0.100/24 dev br0  # the probe's: never partitioned
for ((i = 0; i < n; i++)); do
  ip netns add "$(ns $i)"
  ip -n "$(ns $i)" link set lo up
  ip link add "$tag-v$i" type veth peer name "$tag-b$i"
  ip link set "$tag-v$i" netns "$(ns $i)"
  ip link set "$tag-b$i" netns "$tag-br"
  ip -n "$tag-br" link set "$tag-b$i" master br0 up
  ip -n "$(ns $i)" link set "$tag-v$i" name eth0
  ip -n "$(ns $i)" addr add "$(addr $i)/24" dev eth0
  ip -n "$(ns $i)" link set eth0 up
done

"$bin/vigil" genesis --validators $n --accounts 8 --out "$work" --base-port $base \
  --round-timeout-ms 500 --log-level warn >/dev/null
# Node i listens on its own namespace's address (ports are unique per node).
python3 - "$work" $base $n <<'PY'
import pathlib, re, sys
work, base, n = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
def fix(m):
    port = int(m.group(1))
    return f"10.77.0.{(port - base) // 3 + 1}:{port}"
for f in [work / "genesis.toml", *work.glob("node-*/vigild.toml"), *work.glob("*.json")]:
    if f.exists():
        f.write_text(re.sub(r"127\.0\.0\.1:(\d+)", fix, f.read_text()))
PY
for ((i = 0; i < n; i++)); do
  ip netns exec "$(ns $i)" "$bin/vigild" --config "$work/node-$i/vigild.toml" \
    >"$work/vigild-$i.log" 2>&1 &
  pids+=($!)
done

probe() { ip netns exec "$tag-br" python3 "$here/partition_probe.py" $base "$@"; }
heights() { probe heights; }
fail() {
  echo "FAIL $*"
  for ((i = 0; i < n; i++)); do echo "--- node $i"; tail -5 "$work/vigild-$i.log"; done
  exit 1
}
# wait_all MIN SECONDS NODES...: until each node's height is at least MIN.
wait_all() { probe wait "$@"; }
# cut A B: every node in group A drops every packet to or from group B, and back.
cut() {
  local a=($1) b=($2) i j set
  for pair in "a b" "b a"; do
    read -r from to <<<"$pair"
    eval "local src=(\"\${$from[@]}\") dst=(\"\${$to[@]}\")"
    set=$(for j in "${dst[@]}"; do printf '%s, ' "$(addr $j)"; done)
    for i in "${src[@]}"; do
      ip netns exec "$(ns $i)" nft -f - <<NFT
table inet partition {
  chain input { type filter hook input priority 0; ip saddr { ${set%, } } drop; }
  chain output { type filter hook output priority 0; ip daddr { ${set%, } } drop; }
}
NFT
    done
  done
}
heal() {
  for ((i = 0; i < n; i++)); do ip netns exec "$(ns $i)" nft delete table inet partition 2>/dev/null || true; done
}
max_of() { printf '%s\n' "$@" | sort -n | tail -1; }

wait_all 3 60 0 1 2 3 || fail "the cluster did not start committing: heights $(heights)"
echo "started: heights $(heights)"

# 1. 2|2: no quorum on either side.
cut "0 1" "2 3"
sleep 3  # what was in flight lands
before=($(heights))
sleep 6
after=($(heights))
echo "2|2 split: heights ${before[*]} -> ${after[*]}"
for ((i = 0; i < n; i++)); do
  ((after[i] == before[i])) || fail "node $i committed during a 2|2 split"
done

# 2. healed: all commit again.
heal
top=$(max_of "${after[@]}")
wait_all $((top + 3)) 60 0 1 2 3 || fail "no progress after healing the split: $(heights)"
echo "healed: heights $(heights)"

# 3. node 3 alone: the other three (a quorum) commit, it does not.
cut "0 1 2" "3"
sleep 2
before=($(heights))
wait_all $((before[0] + 5)) 30 0 1 2 || fail "three of four did not commit with node 3 cut off: $(heights)"
after=($(heights))
echo "node 3 cut off: heights ${before[*]} -> ${after[*]}"
((after[3] == before[3])) || fail "node 3 committed alone"

# 4. healed: node 3 catches up, and all agree on one chain.
heal
top=$(max_of "${after[@]}")
wait_all "$top" 60 3 || fail "node 3 did not catch up after healing: $(heights)"
common=$(printf '%s\n' $(heights) | sort -n | head -1)
echo "healed: heights $(heights); comparing heights 1..$common"
probe agree "$common" || fail "the nodes disagree"

for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid" || fail "a node did not exit 0 on SIGTERM"; done
pids=()
echo "ok   2|2 split committed nothing and forked nothing; node 3 cut off, the rest committed; all converged"
