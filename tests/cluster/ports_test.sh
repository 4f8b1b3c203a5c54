#!/usr/bin/env bash
# vigild's packet ports besides udp: one validator replays a capture of
# signed frames (packet.port = "pcap": each frame is received and verified,
# /metrics counts them) and starts on a DPDK net_null device (packet.port =
# "dpdk", EAL without hugepages or PCI; the device is the --vdev the EAL
# arguments name); a capture that cannot be read stops
# it before it starts, naming the key and the file. Stops with SIGTERM, 0.
#   ports_test.sh BIN_DIR
set -euo pipefail
bin=$1
work=$(mktemp -d /tmp/vigil-ports.XXXXXX)
pid=
trap '[[ -n $pid ]] && kill -KILL $pid 2>/dev/null; rm -rf "$work"' EXIT
base=$((21000 + ($$ % 400) * 10))
"$bin/vigil" genesis --validators 1 --accounts 2 --out "$work" --base-port $base >/dev/null
"$bin/vigil" loadgen --count 200 --write-pcap "$work/frames.pcap" >/dev/null
cfg=$work/node-0/vigild.toml
http=127.0.0.1:$((base + 2))

# Replaces the [packet] table of the config with $1.
set_packet() {
  python3 - "$cfg" "$1" <<'PY'
import re, sys
p, table = sys.argv[1], sys.argv[2]
t = open(p).read()
t = re.sub(r"\[packet\]\n(?:[^\[\n][^\n]*\n|\n)*", "[packet]\n" + table + "\n\n", t)
open(p, "w").write(t)
PY
}
# metric NAME_PREFIX: the sum of its samples on node 0 (0 when absent).
metric() {
  python3 - "$http" "$1" <<'PY'
import sys, urllib.request
body = urllib.request.urlopen("http://%s/metrics" % sys.argv[1], timeout=2).read().decode()
print(int(sum(float(l.rsplit(" ", 1)[1]) for l in body.splitlines() if l.startswith(sys.argv[2]))))
PY
}
up() { python3 -c "import urllib.request,sys; urllib.request.urlopen('http://$http/status', timeout=1)" 2>/dev/null; }
start() {
  "$bin/vigild" --config "$cfg" >"$work/vigild.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do up && return 0; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  echo "FAIL vigild did not come up:"; cat "$work/vigild.log"; exit 1
}
stop() {
  kill -TERM $pid
  local rc=0
  wait $pid || rc=$?
  pid=
  ((rc == 0)) || { echo "FAIL vigild exited $rc after SIGTERM"; cat "$work/vigild.log"; exit 1; }
}

set_packet 'port = "pcap"
pcap_file = "../frames.pcap"'
start
for _ in $(seq 1 100); do (($(metric 'vigil_ingest_received_total') >= 200)) && break; sleep 0.1; done
received=$(metric 'vigil_ingest_received_total')
valid=$(metric 'vigil_verifications_total{engine=' | head -1)
echo "pcap: received $received, verifications $valid"
((received == 200)) || { echo "FAIL pcap: received $received of 200"; exit 1; }
((valid >= 150)) || { echo "FAIL pcap: only $valid verified"; exit 1; }
stop
echo "ok   pcap replay: 200 received and verified"

set_packet 'port = "pcap"
pcap_file = "../nonexistent.pcap"'
rc=0
"$bin/vigild" --config "$cfg" >"$work/bad.log" 2>&1 || rc=$?
if ((rc == 0)) || ! grep -q "$cfg: key 'packet.pcap_file'" "$work/bad.log"; then
  echo "FAIL an unreadable capture: exit $rc"; cat "$work/bad.log"; exit 1
fi
echo "ok   an unreadable capture names key and file: $(grep -o "key 'packet.pcap_file'.*" "$work/bad.log")"

set_packet 'port = "dpdk"
eal_args = ["--no-huge", "-m", "256", "--no-pci", "--vdev=net_null0", "-l", "0", "--no-shconf", "--log-level=error", "--file-prefix=vigil-ports-'$$'"]'
"$bin/vigild" --config "$cfg" >"$work/vigild.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do up && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if grep -q "built without DPDK" "$work/vigild.log"; then
  pid=
  echo "skip dpdk: this vigild was built without DPDK"
  exit 0
fi
up || { echo "FAIL vigild on dpdk did not come up:"; cat "$work/vigild.log"; exit 1; }
stop
echo "ok   dpdk: vigild runs on net_null0 and stops cleanly"
