#!/usr/bin/env bash
# The GPU verification check, for a machine with an NVIDIA GPU and a fresh
# checkout (kernels/README.md "The device check"): builds only what the GPU
# checks need, runs the device tests, measures both field representations
# at each launch shape for batch sizes 64..65536, and writes
#   OUT/report.json   every row names its field representation (`variant`)
#   OUT/report.txt    the same as a table, and the faster variant
#   OUT/resources.*   ptxas registers, stack and spills (cuda)
#   OUT/estimate.json the PTX paper estimate (cuda)
#   OUT/logs/         one log per step
# Any failed step stops the run with a non-zero status, names the step on
# stderr and in OUT/FAILED, and leaves no report.json: partial figures are
# never presented as complete.
#
#   tools/device-check.sh [--engine cuda|opencl:SEL] [--sizes LIST] [--seconds S]
#                         [--blocks LIST] [--jobs N] [--build-dir DIR] OUT
# --engine opencl:pthread stands in for the GPU with PoCL's CPU device (same
# steps, OpenCL tests, no CUDA build); pass smaller --sizes there, PoCL is
# slow. --build-dir uses an existing configured build instead of a fresh one.
set -euo pipefail

engine=cuda
sizes=64,256,1024,4096,16384,65536
seconds=0.4
blocks=64,32
jobs=$(nproc)
build=
out=
while (($#)); do
  case $1 in
    --engine) engine=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --blocks) blocks=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    -h | --help) sed -n '2,24p' "$0"; exit 0 ;;
    -*) echo "device-check: unknown option $1" >&2; exit 2 ;;
    *) out=$1; shift ;;
  esac
done
[[ -n $out ]] || { echo "usage: tools/device-check.sh [--engine cuda|opencl:SEL] OUT" >&2; exit 2; }
case $engine in
  cuda | cuda:*) kind=cuda ;;
  opencl | opencl:*) kind=opencl ;;
  *) echo "device-check: --engine is cuda[:N] or opencl[:SEL], not $engine" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out/logs" "$out/bench"
out=$(cd "$out" && pwd)
rm -f "$out/FAILED" "$out/report.json" "$out/report.txt"
start=$SECONDS

# step NAME CMD...: runs CMD with its output in logs/NAME.log; on failure
# says which step failed, shows the log's tail and stops the run.
step() {
  local name=$1 t0=$SECONDS
  shift
  printf 'device-check: %-28s ' "$name"
  if "$@" >"$out/logs/$name.log" 2>&1; then
    printf 'ok (%ds)\n' $((SECONDS - t0))
  else
    local rc=$?
    printf 'FAILED (exit %d)\n' "$rc"
    echo "$name (exit $rc): see logs/$name.log" >"$out/FAILED"
    tail -n 30 "$out/logs/$name.log" >&2
    echo "device-check: FAILED at step '$name'; no report written" >&2
    exit 1
  fi
}

# gtest_run EXE [ARGS]: the suite must pass with nothing skipped (a skip
# here means the device was not there, which is a failure of this check).
gtest_run() {
  local log rc=0
  log=$(mktemp)
  "$@" >"$log" 2>&1 || rc=$?
  cat "$log"
  if ((rc == 0)) && grep -q '^\[  SKIPPED \]' "$log"; then
    echo "device-check: a test skipped, so the device did not run it"
    rc=1
  fi
  rm -f "$log"
  return "$rc"
}

if [[ $kind == cuda ]]; then
  cuda_flags=(-DVIGIL_CUDA=ON "-DCMAKE_CUDA_FLAGS=--threads 0")
  targets=(accel_cuda_test vigil kernels_op_counts_fe51 kernels_op_counts_fe25)
else
  cuda_flags=(-DVIGIL_CUDA=OFF)
  targets=(kernels_opencl_test kernels_opencl_fe25_test accel_test vigil)
fi

if [[ -z $build ]]; then
  build=$root/build/device-check-$kind
  step configure cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_CUDA_HOST_COMPILER=g++ \
    "${cuda_flags[@]}"
fi
# Touching the CUDA sources makes ptxas (or ccache's replay of it) print the
# resource report into this build's log even when the objects were current.
[[ $kind == cuda ]] && touch "$root"/kernels/cuda/*.cu
step build cmake --build "$build" -j "$jobs" --target "${targets[@]}"

if [[ $kind == cuda ]]; then
  step resources python3 "$root/kernels/budget/ptxas_report.py" "$out/logs/build.log" \
    --json "$out/resources.json"
  cp "$out/logs/resources.log" "$out/resources.txt"
  step paper-estimate python3 "$root/kernels/budget/paper_estimate.py" \
    --nvcc "$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)" --source-dir "$root" \
    --op-counts "$build/kernels/budget/kernels_op_counts_fe51" \
    --op-counts "$build/kernels/budget/kernels_op_counts_fe25" --json "$out/estimate.json"
  step test-cuda gtest_run "$build/tests/accel/accel_cuda_test"
else
  export VIGIL_TEST_OPENCL_DEVICE=${engine#opencl:}
  step test-opencl-fe51 gtest_run "$build/tests/kernels/kernels_opencl_test"
  step test-opencl-fe25 gtest_run "$build/tests/kernels/kernels_opencl_fe25_test"
  step test-opencl-driver gtest_run "$build/tests/accel/accel_test" --gtest_filter='*opencl*'
fi

IFS=, read -ra block_list <<<"$blocks"
benches=()
for variant in fe51 fe25; do
  for block in "${block_list[@]}"; do
    name=bench-$variant-$block
    step "$name" bash -c '"$1" bench verify --engine "$2" --variant "$3" --block "$4" \
      --rules both --sizes "$5" --seconds "$6" --json >"$7"' _ "$build/bin/vigil" \
      "$engine" "$variant" "$block" "$sizes" "$seconds" "$out/bench/$variant-$block.json"
    benches+=("$out/bench/$variant-$block.json")
  done
done

step report python3 - "$out" "$engine" "$(git -C "$root" rev-parse HEAD)" \
  "$((SECONDS - start))" "${benches[@]}" <<'PY'
import json, os, platform, sys
out, engine, commit, elapsed, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
rows = [r for f in files for r in json.load(open(f))]
bad = [r for r in rows if not r["all_valid"] or r.get("device_faults", 0)]
if not rows or bad:
    sys.exit(f"report: {len(bad)} row(s) with wrong verdicts or device faults")
big = max(r["batch"] for r in rows)
best = {}
for r in rows:
    if r["rules"] == "strict" and r["batch"] == big:
        best[r["variant"]] = max(best.get(r["variant"], 0), r["per_sec"])
faster = max(best, key=best.get)
small = min(r["batch"] for r in rows)
lat = {}
for r in rows:
    if r["batch"] == small and r["rules"] == "strict":
        key = f"{r['variant']}/{r['block']}"
        lat[key] = r["latency_p50_us"]
report = {"engine": engine, "device": rows[0]["engine"], "commit": commit,
          "host": platform.node(), "check_seconds": int(elapsed), "complete": True,
          "faster_variant_strict_at_batch_%d" % big: faster,
          "best_strict_per_sec_at_batch_%d" % big: best,
          "strict_p50_latency_us_at_batch_%d" % small: lat, "rows": rows}
for extra in ("resources.json", "estimate.json"):
    p = os.path.join(out, extra)
    if os.path.exists(p):
        report[extra.split(".")[0]] = json.load(open(p))
with open(os.path.join(out, "report.txt"), "w") as t:
    t.write(f"device check: {rows[0]['engine']} ({engine}), commit {commit}\n")
    t.write(f"libsodium peer (1 core, same run): {rows[0]['libsodium_per_sec']:.0f}/s\n")
    t.write(f"{'variant':8} {'block':>5} {'rules':7} {'batch':>6} {'p50 us':>10} {'p99 us':>10}"
            f" {'verif/s':>12} {'x sodium':>9} {'cpu drv/s':>11}\n")
    for r in rows:
        t.write(f"{r['variant']:8} {r['block']:5} {r['rules']:7} {r['batch']:6}"
                f" {r['latency_p50_us']:10.1f} {r['latency_p99_us']:10.1f} {r['per_sec']:12.0f}"
                f" {r['ratio_libsodium']:9.2f} {r['cpu_driver_per_sec']:11.0f}\n")
    t.write(f"faster at batch {big} (strict): {faster} "
            + ", ".join(f"{k} {v:.0f}/s" for k, v in sorted(best.items())) + "\n")
    t.write(f"p50 latency at batch {small} (strict): "
            + ", ".join(f"{k} {v:.0f} us" for k, v in sorted(lat.items())) + "\n")
with open(os.path.join(out, "report.json"), "w") as f:
    json.dump(report, f, indent=2)
PY
cat "$out/report.txt"
echo "device-check: complete in $((SECONDS - start)) s; report in $out/report.json"
