#!/usr/bin/env bash
# [tiles] in a real vigild (issue 18): with idle = "busy", two tiles on one
# core make vigild refuse to start with one clear line naming the key and
# the file; with idle = "adaptive" it starts, logs each pin, and its tile
# threads run only on their cores (/proc/PID/task/*/status).
#   tiles_vigild_test.sh BIN_DIR
set -euo pipefail
bin=$1
work=$(mktemp -d /tmp/vigil-tiles.XXXXXX)
pid=
cleanup() {
  if [[ -n $pid ]]; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

base=$((21000 + ($$ % 300) * 10))
"$bin/vigil" genesis --validators 1 --accounts 4 --out "$work" --base-port "$base" \
  --log-level info >/dev/null
conf=$work/node-0/vigild.toml
grep -q '^idle = "adaptive"$' "$conf" || fail "genesis wrote no idle key: $(cat "$conf")"
cpus=$(python3 -c 'import os; print(" ".join(map(str, sorted(os.sched_getaffinity(0)))))')
read -r first last <<<"$(echo "$cpus" | awk '{print $1, $NF}')"

# Busy: two tiles on one core are refused before anything starts.
sed 's/^idle = "adaptive"$/idle = "busy"/' "$conf" >"$work/node-0/busy.toml"
printf '[tiles]\nnet = %s\nverify = [%s]\n' "$first" "$first" >>"$work/node-0/busy.toml"
if timeout 20 "$bin/vigild" --config "$work/node-0/busy.toml" >"$work/busy.log" 2>&1; then
  fail "vigild started with two busy tiles on cpu $first"
fi
grep -q "busy.toml: tiles.verify\[0\]: cpu $first is already pinned to tiles.net" "$work/busy.log" \
  || fail "no clear refusal: $(cat "$work/busy.log")"
echo "ok   busy mode: two tiles on cpu $first refused: $(grep -m1 'already pinned' "$work/busy.log")"

# Adaptive: the pins are applied to the running tile threads.
cp "$conf" "$work/node-0/pinned.toml"
printf '[tiles]\nmempool = %s\nverify = [%s]\nconsensus = %s\n' "$first" "$last" "$first" \
  >>"$work/node-0/pinned.toml"
"$bin/vigild" --config "$work/node-0/pinned.toml" >"$work/pinned.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  grep -q 'tile consensus pinned' "$work/pinned.log" && break
  kill -0 "$pid" 2>/dev/null || fail "vigild exited: $(tail -5 "$work/pinned.log")"
  sleep 0.1
done
for t in "mempool pinned to cpu $first" "verify pinned to cpu $last" "consensus pinned to cpu $first"; do
  grep -q "tile $t" "$work/pinned.log" || fail "no log of tile $t: $(cat "$work/pinned.log")"
done
# Threads allowed on exactly one cpu: mempool and consensus on the first, verify on the last.
lists=$(cat /proc/"$pid"/task/*/status | awk '/^Cpus_allowed_list/ {print $2}' | sort | uniq -c)
n_first=$(awk -v c="$first" '$2 == c {print $1}' <<<"$lists")
n_last=$(awk -v c="$last" '$2 == c {print $1}' <<<"$lists")
if [[ $first == "$last" ]]; then
  ((${n_first:-0} >= 3)) || fail "want 3 threads on cpu $first: $lists"
else
  ((${n_first:-0} == 2 && ${n_last:-0} == 1)) || fail "want 2 threads on cpu $first, 1 on $last: $lists"
fi
echo "ok   adaptive: tile threads pinned ($(tr '\n' ' ' <<<"$lists"))"
