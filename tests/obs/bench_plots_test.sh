#!/usr/bin/env bash
# --csv and --plot on every benchmark (issue 17): each `vigil bench ...`, run
# briefly, and the cluster summary write a CSV with a header and rows and,
# where gnuplot is installed, an SVG chart with its title and series; without
# gnuplot the run says so and still succeeds. A loadgen without --target is
# refused for them (it has no timeline).
#   bench_plots_test.sh BIN_DIR
set -euo pipefail
vigil=$1/vigil
out=$(mktemp -d /tmp/vigil-plots.XXXXXX)
trap 'rm -rf "$out"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
have_gnuplot=0
command -v gnuplot >/dev/null && have_gnuplot=1

# check NAME TITLE SERIES... : the CSV has rows, the SVG the title and series.
check() {
  local name=$1 title=$2
  shift 2
  local csv=$out/$name.csv svg=$out/$name.svg
  [[ -s $csv ]] || fail "$name: no CSV"
  (($(wc -l <"$csv") >= 2)) || fail "$name: the CSV has no rows: $(cat "$csv")"
  if ((have_gnuplot)); then
    grep -q '<svg' "$svg" || fail "$name: no SVG"
    grep -qF "$title" "$svg" || fail "$name: the SVG lacks its title '$title'"
    for s in "$@"; do grep -qF "$s" "$svg" || fail "$name: the SVG lacks series '$s'"; done
  else
    grep -q 'gnuplot not found' "$out/$name.err" || fail "$name: no word of the missing gnuplot"
  fi
  echo "ok   $name: $(($(wc -l <"$csv") - 1)) rows$( ((have_gnuplot)) && echo ", $(wc -c <"$svg") B of SVG")"
}
run() {
  local name=$1
  shift
  "$vigil" "$@" --csv "$out/$name.csv" --plot "$out/$name.svg" >"$out/$name.out" 2>"$out/$name.err" \
    || fail "$name: vigil $* exited $?: $(tail -5 "$out/$name.err")"
}

run verify bench verify --seconds 0.05 --batch 16,64 --invalid 10
check verify "Ed25519 verify rate by engine and batch size" libsodium openssl "portable strict"
run hash bench hash --seconds 0.01
check hash "SHA-2 throughput by message size" "sha256 single openssl"
run ingest bench ingest --port udp --seconds 0.05 --frames 1024
check ingest "Ingest rate by port" "port alone"
run service bench service --sizes 1,16 --clients 1 --seconds 0.05
check service "Service throughput by request size" "in-process" "1 client(s), service"
run ledger bench ledger --data "$out/ledger" --blocks 2 --txs 20 --senders 10 --accounts 100
check ledger "Commit time per block by stage" "RocksDB write"
run accel bench accel --engine cpu --sizes 16,64 --seconds 0.05
check accel "Verify rate by batch size" "libsodium, 1 core"
run cluster cluster --nodes 4 --seconds 4 --rate 200 --invalid-share 0
check cluster "Committed transactions per second" "Send-to-commit latency"
grep -q '^t,committed_tps,latency_samples,p50_ms,p99_ms$' "$out/cluster.csv" \
  || fail "cluster: CSV header $(head -1 "$out/cluster.csv")"

# An unwritable CSV is a clear error and a failed run, not a crash.
if "$vigil" bench hash --seconds 0.01 --csv /nonexistent-dir/x.csv >/dev/null 2>"$out/bad.err"; then
  fail "an unwritable --csv succeeded"
fi
grep -q 'cannot write /nonexistent-dir/x.csv' "$out/bad.err" || fail "no word of the unwritable CSV"
if "$vigil" loadgen --count 10 --csv "$out/x.csv" >/dev/null 2>"$out/lg.err"; then
  fail "loadgen without --target took --csv"
fi
grep -q -- '--csv and --plot go with --target' "$out/lg.err" || fail "loadgen: $(cat "$out/lg.err")"
echo "ok   refusals"
