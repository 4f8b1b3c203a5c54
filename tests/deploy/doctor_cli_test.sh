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
read -r p2p udp http < <(python3 -c '
import socket
s = [socket.socket() for _ in range(3)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
cat > "$scratch/vigil.toml" <<TOML
data_dir = "data"
key_file = "validator.key"
genesis_file = "genesis.json"
[listen]
p2p = "127.0.0.1:$p2p"
udp = "127.0.0.1:$udp"
http = "127.0.0.1:$http"
TOML
out=$("$vigil" doctor --config "$scratch/vigil.toml") && rc=0 || rc=$?
echo "$out"
for check in config cpu cuda opencl engine hugepages nic iommu numa tiles data_dir clock nofile \
  memlock sysctl ports key_file; do
  grep -Eq "^(ok|warn|fail) +$check: " <<<"$out" || fail "no $check line"
done
grep -q '^ok   config: .*(vigild accepts it)' <<<"$out" || fail "vigild's parser refused the test config"
grep -q "^ok   ports: listen.udp 127.0.0.1:$udp (udp) is free" <<<"$out" || fail "udp port line"
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
sed -i "1i no_such_key = 3" "$scratch/vigil.toml"  # a top-level key vigild does not know
out=$("$vigil" doctor --config "$scratch/vigil.toml") && rc=0 || rc=$?  # exit 1: a check failed
[[ $rc == 1 ]] && grep -q '^fail config: vigild would refuse it' <<<"$out" \
  || fail "doctor passed a config vigild refuses"
echo "ok: doctor lines, exit status and --json"
