"""The partition test's view of its nodes, run inside the bridge's namespace
(its address is never partitioned off):
  partition_probe.py BASE heights             one line: each node's height
  partition_probe.py BASE wait MIN SECS I...  exit 0 once nodes I... reach MIN
  partition_probe.py BASE agree H             exit 0 when all agree on 1..H
"""
import json
import sys
import time
import urllib.request

base, cmd, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
N = 4


def get(i, path):
    url = f"http://10.77.0.{i + 1}:{base + 3 * i + 2}{path}"
    try:
        return json.load(urllib.request.urlopen(url, timeout=2))
    except Exception:
        return {}


def height(i):
    return get(i, "/status").get("height", -1)


if cmd == "heights":
    print(" ".join(str(height(i)) for i in range(N)))
elif cmd == "wait":
    least, secs, nodes = int(args[0]), float(args[1]), [int(a) for a in args[2:]]
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if all(height(i) >= least for i in nodes):
            sys.exit(0)
        time.sleep(0.2)
    sys.exit(1)
elif cmd == "agree":
    top = int(args[0])
    for h in range(1, top + 1):
        ids = [get(i, f"/block/{h}").get("block_id") for i in range(N)]
        if None in ids or len(set(ids)) != 1:
            sys.exit(f"height {h}: block ids {ids}")
    print(f"ok   all {N} agree on heights 1..{top}")
