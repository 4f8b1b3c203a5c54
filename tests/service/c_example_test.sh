#!/usr/bin/env bash
# The C example (libvigil_client's C ABI only) against `vigil serve`: the
# speccheck vectors give the expected verdicts under both rule sets, all
# answered by the service; with the server gone, the local fallback gives
# the same verdicts; `vigil verify --remote` prints what local `vigil
# verify` prints. A start-up error names the allowlist line.
set -euo pipefail
vigil=$1
example=$2
vectors=$3
tmp=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
"$vigil" keygen --seed $(printf '11%.0s' {1..32}) > "$tmp/server.key"
"$vigil" keygen --seed $(printf '22%.0s' {1..32}) > "$tmp/client.key"
/usr/bin/python3 - "$tmp" <<'PY'
import json, sys
d = sys.argv[1]
print(json.load(open(d + "/client.key"))["pk"], file=open(d + "/allow", "w"))
PY
/usr/bin/python3 - "$vectors" > "$tmp/in.txt" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1] + "/ed25519_speccheck_cases.json")):
    print(c["pub_key"], c["signature"], c["message"])
PY
/usr/bin/python3 - "$vectors" > "$tmp/in.jsonl" <<'PY'
import json, sys
for c in json.load(open(sys.argv[1] + "/ed25519_speccheck_cases.json")):
    print(json.dumps({"pk": c["pub_key"], "msg": c["message"], "sig": c["signature"]}))
print("not json")
PY
# An allowlist with a bad line is a start-up error naming it.
printf 'zz\n' > "$tmp/bad_allow"
if "$vigil" serve --listen 127.0.0.1:0 --key "$tmp/server.key" --allow "$tmp/bad_allow" 2> "$tmp/err"; then
  echo "a bad allowlist was accepted" >&2; exit 1
fi
grep -q "bad_allow line 1" "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }

"$vigil" serve --listen 127.0.0.1:0 --key "$tmp/server.key" --allow "$tmp/allow" --engine cpu \
  > "$tmp/serve.out" 2> "$tmp/serve.err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/listening/ {print $2}' "$tmp/serve.out")
[[ -n $port ]] || { cat "$tmp/serve.err" >&2; exit 1; }
expected_json=$vectors/ed25519_speccheck_expected.json
check() {  # rules, expected remote/local summary
  local rules=$1 want got
  want=$(/usr/bin/python3 -c "import json; print(json.load(open('$expected_json'))['$rules'])")
  # A generous timeout: on a loaded machine a call the server answers late
  # would end on the local fallback and the summary would not match.
  got=$("$example" --timeout-ms 20000 127.0.0.1:$port "$tmp/client.key" $rules < "$tmp/in.txt" \
    2> "$tmp/summary" |
    awk '{ printf ($0 == "valid") ? "V" : "X" }')
  [[ $got == "$want" ]] || { echo "$rules: got $got, want $want" >&2; exit 1; }
  grep -q "$2" "$tmp/summary" || { echo "$rules: $(cat "$tmp/summary"), want $2" >&2; exit 1; }
}
check strict "remote 12, local 0"
check zip215 "remote 12, local 0"
for rules in strict zip215; do
  "$vigil" verify --rules $rules --input "$tmp/in.jsonl" > "$tmp/local.out"
  "$vigil" verify --rules $rules --remote 127.0.0.1:$port --key "$tmp/client.key" \
    --input "$tmp/in.jsonl" > "$tmp/remote.out"
  cmp "$tmp/local.out" "$tmp/remote.out" || { echo "verify --remote differs ($rules)" >&2; exit 1; }
done
kill $pid; wait $pid 2>/dev/null || true; pid=
check zip215 "remote 0, local 12"

# The same over TLS (a throwaway self-signed certificate for 127.0.0.1).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
  -keyout "$tmp/tls.key" -out "$tmp/tls.crt" 2> /dev/null
"$vigil" serve --listen 127.0.0.1:0 --key "$tmp/server.key" --allow "$tmp/allow" --engine cpu \
  --tls-cert "$tmp/tls.crt" --tls-key "$tmp/tls.key" > "$tmp/serve.out" 2> "$tmp/serve.err" &
pid=$!
for _ in $(seq 100); do grep -q listening "$tmp/serve.out" 2>/dev/null && break; sleep 0.1; done
port=$(awk '/listening/ {print $2}' "$tmp/serve.out")
[[ -n $port ]] || { cat "$tmp/serve.err" >&2; exit 1; }
"$vigil" verify --rules strict --input "$tmp/in.jsonl" > "$tmp/local.out"
"$vigil" verify --rules strict --remote 127.0.0.1:$port --key "$tmp/client.key" \
  --tls-ca "$tmp/tls.crt" --timeout-ms 20000 --input "$tmp/in.jsonl" > "$tmp/remote.out" \
  2> "$tmp/remote.err"
grep -q "remotely, 0 locally" "$tmp/remote.err" || { cat "$tmp/remote.err" >&2; exit 1; }
cmp "$tmp/local.out" "$tmp/remote.out" || { echo "verify --remote over TLS differs" >&2; exit 1; }
grep -q "TLS" "$tmp/serve.err" || { echo "the server did not say TLS" >&2; exit 1; }
# The C ABI over TLS (vigil_client_open_opts with tls_ca), both rule sets.
for rules in strict zip215; do
  want=$(/usr/bin/python3 -c "import json; print(json.load(open('$expected_json'))['$rules'])")
  got=$("$example" --tls-ca "$tmp/tls.crt" --timeout-ms 20000 127.0.0.1:$port "$tmp/client.key" $rules \
    < "$tmp/in.txt" 2> "$tmp/summary" | awk '{ printf ($0 == "valid") ? "V" : "X" }')
  [[ $got == "$want" ]] || { echo "TLS C ABI $rules: got $got, want $want" >&2; exit 1; }
  grep -q "remote 12, local 0" "$tmp/summary" || { echo "TLS C ABI: $(cat "$tmp/summary")" >&2; exit 1; }
done
# A certificate that does not chain to the CA given is refused: the calls
# end on the local fallback, never on the unverified server.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=other -keyout "$tmp/other.key" -out "$tmp/other.crt" 2> /dev/null
"$example" --tls-ca "$tmp/other.crt" 127.0.0.1:$port "$tmp/client.key" zip215 < "$tmp/in.txt" \
  > /dev/null 2> "$tmp/summary"
grep -q "remote 0, local 12" "$tmp/summary" || { echo "wrong CA: $(cat "$tmp/summary")" >&2; exit 1; }
echo "c example: ok"
