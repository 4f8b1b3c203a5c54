#!/usr/bin/env bash
# Vigil's main job: a local cluster of 4 validators (vigild) on loopback
# under load for about 30 s, then its summary: committed transactions per
# second, p50/p99 commit latency, engine, rejected by reason, restarts
# survived, agreement on every height, each node's RSS, and the verification
# ceiling (cores x one core's verify rate / nodes, measured in this run) with
# the fraction reached. A short engine benchmark comes first. The plots
# (verify rate by engine and batch size; the cluster's TPS and latency over
# time) and their CSV files land in BUILD/demo/, named after the summary.
set -euo pipefail
build=${1:-build/release}
vigil="$build/bin/vigil"
seconds=${VIGIL_DEMO_SECONDS:-30}
rate=${VIGIL_DEMO_RATE:-12000}
out="$build/demo"
mkdir -p "$out"

"$vigil" info
echo
echo "== Ed25519 verification engines (vigil bench verify) =="
"$vigil" bench verify --seconds 0.2 --batch 16,64,256,1024 \
  --csv "$out/verify.csv" --plot "$out/verify.svg"
echo
echo "== 4 validators under load for ${seconds} s (vigil cluster) =="
status=0
"$vigil" cluster --nodes 4 --seconds "$seconds" --rate "$rate" --kill-every 10 --kill-node 3 \
  --invalid-share 0.02 --csv "$out/cluster.csv" --plot "$out/cluster.svg" || status=$?
echo
echo "== plots and their data =="
for f in verify.svg verify.csv cluster.svg cluster.csv; do
  if [[ -s $out/$f ]]; then echo "  $out/$f"; fi
done
exit "$status"
