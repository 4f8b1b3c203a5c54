#!/usr/bin/env bash
# Crash test: `vigil bench ledger --print-committed` is killed with SIGKILL
# at random moments KILLS times, PER_STORE kills on each data directory
# (default 10: a store grows by ~100 blocks a run, and each audit re-derives
# the whole chain, so one store for all kills made the test quadratic).
# After each kill the store reopens, `vigil audit` passes, and every height
# the benchmark printed as committed (durable) is there. Seeded (CRASH_SEED)
# so a failure replays.
# Usage: crash_test.sh VIGIL [KILLS] [PER_STORE]
set -u
VIGIL=$1
KILLS=${2:-50}
PER_STORE=${3:-10}
RANDOM=${CRASH_SEED:-12345}
work=$(mktemp -d /tmp/vigil-crash-test-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL (kill $i, CRASH_SEED=${CRASH_SEED:-12345}): $*"; exit 1; }
stores=0
best=0
max_printed=0
for ((i = 1; i <= KILLS; i++)); do
  if (((i - 1) % PER_STORE == 0)); then
    ((max_printed > best)) && best=$max_printed
    data="$work/data$i"
    max_printed=0
    stores=$((stores + 1))
  fi
  "$VIGIL" bench ledger --data "$data" --blocks 100000 --txs 20 --senders 16 --accounts 200 \
    --prune-keep 4 --print-committed >"$work/out" 2>"$work/err" &
  pid=$!
  # 0.1 to 0.8 s: some kills land while it starts or opens the store, most
  # mid-commit (a synced commit of 20 transfers takes a few ms).
  t=$((100 + RANDOM % 700))
  sleep "$((t / 1000)).$(printf '%03d' $((t % 1000)))"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if grep -q . "$work/err"; then fail "bench ledger wrote to stderr: $(cat "$work/err")"; fi
  last=$(grep -E '^committed [0-9]+$' "$work/out" | tail -1 | cut -d' ' -f2)
  [[ -n $last ]] && ((last > max_printed)) && max_printed=$last
  if ! out=$("$VIGIL" audit --json "$data"); then
    # Killed before the genesis was durable: no ledger yet, nothing lost.
    ((max_printed == 0)) && [[ $out == *'no ledger here'* || $out == *'cannot open'* ||
      $out == *'not a Vigil ledger'* ]] && continue
    fail "audit after kill: $out"
  fi
  height=$(sed -E 's/.*"height":([0-9]+).*/\1/' <<<"$out")
  ((height >= max_printed)) || fail "height $height lost a printed commit $max_printed: $out"
done
((max_printed > best)) && best=$max_printed
echo "crash test: $KILLS kills on $stores stores, audit passed after each, last height ${height:-none} (highest printed $best)"
((max_printed > 0)) || fail "no block was ever committed on the last store"
