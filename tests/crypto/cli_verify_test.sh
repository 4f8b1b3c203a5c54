#!/usr/bin/env bash
# `vigil verify` end to end: the 12 speccheck cases give the expected
# verdict string under both rules at several batch sizes, malformed lines get
# `error: <reason>` in place, and `vigil sign` output verifies.
set -euo pipefail
vigil=$1
vectors=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$vectors" > "$tmp/in.jsonl" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1] + "/ed25519_speccheck_cases.json")):
    print(json.dumps({"pk": c["pub_key"], "msg": c["message"], "sig": c["signature"]}))
for bad in ["not json", "[1,2]", '{"pk":"00","msg":"","sig":"00"}', '{"pk":"zz"}', ""]:
    print(bad)
PY
seed=0000000000000000000000000000000000000000000000000000000000000007
printf '616263\n\n' | "$vigil" sign --seed $seed >> "$tmp/in.jsonl"
expected_json=$vectors/ed25519_speccheck_expected.json
for rules in strict zip215; do
  want=$(/usr/bin/python3 -c "import json,sys; print(json.load(open('$expected_json'))['$rules'])")
  for batch in 1 3 64; do
    got=$("$vigil" verify --rules $rules --batch $batch --input "$tmp/in.jsonl" |
      awk '{ if ($0 == "valid") printf "V"; else if ($0 == "invalid") printf "X"; else printf "E" }')
    if [[ $got != "${want}EEEEEVV" ]]; then
      echo "rules $rules batch $batch: got $got, want ${want}EEEEEVV" >&2
      exit 1
    fi
  done
done
lines=$("$vigil" verify --input "$tmp/in.jsonl" | wc -l)
[[ $lines == $(wc -l < "$tmp/in.jsonl") ]] || { echo "line count differs" >&2; exit 1; }
if "$vigil" verify --engine no-such-engine < /dev/null 2> "$tmp/err"; then
  echo "an unknown engine was accepted" >&2
  exit 1
fi
grep -q "unknown engine" "$tmp/err"
echo "cli verify: ok"
