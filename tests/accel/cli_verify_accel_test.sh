#!/usr/bin/env bash
# `vigil verify --engine opencl:pthread` (PoCL's CPU device) and `--engine
# cuda` give, line for line, what the CPU engine gives: speccheck cases,
# malformed lines, random and corrupted signatures, both rule sets, several
# batch sizes. Where an engine does not exist here, verify must refuse it
# with exit status 2 and a reason, not fall over.
set -euo pipefail
vigil=$1
vectors=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$vectors" > "$tmp/in.jsonl" <<'PY'
import json, random, sys
import nacl.signing
for c in json.load(open(sys.argv[1] + "/ed25519_speccheck_cases.json")):
    print(json.dumps({"pk": c["pub_key"], "msg": c["message"], "sig": c["signature"]}))
for bad in ["not json", '{"pk":"00","msg":"","sig":"00"}', ""]:
    print(bad)
rng = random.Random(5)
for i in range(150):
    sk = nacl.signing.SigningKey(bytes(rng.randrange(256) for _ in range(32)))
    msg = bytes(rng.randrange(256) for _ in range(i % 40))
    sig = bytearray(sk.sign(msg).signature)
    if i % 3 == 1:
        sig[rng.randrange(64)] ^= 1 << rng.randrange(8)
    print(json.dumps({"pk": sk.verify_key.encode().hex(), "msg": msg.hex(), "sig": bytes(sig).hex()}))
PY
checked=0
for engine in opencl:pthread cuda; do
  if ! "$vigil" verify --engine $engine --input "$tmp/in.jsonl" > /dev/null 2> "$tmp/err"; then
    grep -q "unavailable" "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
    echo "engine $engine not here: $(cat "$tmp/err")"
    continue
  fi
  for rules in strict zip215; do
    "$vigil" verify --engine auto --rules $rules --input "$tmp/in.jsonl" > "$tmp/cpu"
    for batch in 1 7 64; do
      "$vigil" verify --engine $engine --rules $rules --batch $batch --input "$tmp/in.jsonl" > "$tmp/dev"
      if ! cmp -s "$tmp/cpu" "$tmp/dev"; then
        echo "engine $engine rules $rules batch $batch differs from the CPU engine:" >&2
        diff "$tmp/cpu" "$tmp/dev" | head >&2
        exit 1
      fi
      checked=$((checked + 1))
    done
  done
done
[[ $checked -gt 0 ]] || { echo "no device engine ran (PoCL missing?)" >&2; exit 1; }
echo "cli verify on devices: ok ($checked runs)"
