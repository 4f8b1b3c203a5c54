#!/usr/bin/env bash
# vigil doctor: one line per check on this machine, exit 0 when nothing
# fails and 1 when something does (a key file others can read), --json for tools.
# usage: doctor_cli_test.sh VIGIL
set -euo pipefail
vigil=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir "$scratch/data"
echo secret > "$scratch/validator.key"
chmod 600 "$scratch/validator.key"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$scratch/vigil.toml" <<TOML
data_dir = "data"
key_file = "validator.key"
[listen]
p2p = "127.0.0.1:$port"
TOML
out=$("$vigil" doctor --config "$scratch/vigil.toml") && rc=0 || rc=$?
echo "$out"
for check in config cpu cuda opencl engine hugepages nic iommu numa tiles data_dir clock nofile \
  memlock sysctl ports key_file; do
  grep -Eq "^(ok|warn|fail) +$check: " <<<"$out" || fail "no $check line"
done
if grep -q '^fail' <<<"$out"; then
  [[ $rc == 1 ]] || fail "a fail line but exit $rc"
else
  [[ $rc == 0 ]] || fail "no fail line but exit $rc"
fi
grep -Eq '^ +fix: ' <<<"$out" || [[ -z $(grep '^warn\|^fail' <<<"$out") ]] || fail "a warning without its fix"

chmod 644 "$scratch/validator.key"
json=$("$vigil" doctor --json --config "$scratch/vigil.toml") && rc=0 || rc=$?
[[ $rc == 1 ]] || fail "a world-readable key did not fail doctor (exit $rc)"
python3 - "$json" <<'PY' || fail "--json"
import json, sys
j = json.loads(sys.argv[1])
assert j["ok"] is False
key = [c for c in j["checks"] if c["check"] == "key_file"][0]
assert key["status"] == "fail" and "0644" in key["detail"] and key["fix"].startswith("chmod 600"), key
assert all(set(c) == {"check", "status", "detail", "fix"} for c in j["checks"])
PY
"$vigil" doctor --config "$scratch/missing.toml" >/dev/null && fail "a missing --config passed"
echo "ok: doctor lines, exit status and --json"
