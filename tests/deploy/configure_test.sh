#!/usr/bin/env bash
# vigil configure: `plan` (and the bare command) change nothing on this
# machine (a snapshot of every file apply would touch, before and after);
# on a scratch system image apply makes the plan true, twice is once, and
# undo restores the snapshot, twice is once.
# usage: configure_test.sh VIGIL
set -euo pipefail
vigil=$1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# Every file or folder configure reads or changes, under root $1.
snapshot() {
  local r=$1
  for f in proc/sys/vm/nr_hugepages proc/sys/net/core/rmem_max proc/sys/net/core/wmem_max \
    etc/passwd etc/group etc/sysctl.d/60-vigil.conf; do
    if [[ -e $r/$f ]]; then echo "$f $(sha256sum < "$r/$f")"; else echo "$f absent"; fi
  done
  for d in etc/vigil var/lib/vigil var/lib/vigil-configure; do
    if [[ -d $r/$d ]]; then echo "$d $(stat -c '%a %U' "$r/$d") $(ls -A "$r/$d" | sha256sum)"; else echo "$d absent"; fi
  done
  if [[ -d $r/sys/bus/pci/devices ]]; then
    for dev in "$r"/sys/bus/pci/devices/*; do
      echo "$dev $(readlink "$dev/driver" 2>/dev/null || echo none) $(cat "$dev/driver_override" 2>/dev/null || true)"
    done
  fi
}

# 1. This machine: plan is read-only.
# The keys vigild requires besides data_dir (configure checks the file with vigild's parser).
required='key_file = "/etc/vigil/validator.key"
genesis_file = "/etc/vigil/genesis.json"
[listen]
p2p = "127.0.0.1:17000"
udp = "127.0.0.1:17001"
http = "127.0.0.1:17002"'
cat > "$scratch/dpdk.toml" <<TOML
data_dir = "/var/lib/vigil"
$required
[packet]
port = "dpdk"
eal_args = ["-l", "0", "-a", "0000:00:03.0"]
TOML
before=$(snapshot /)
out=$("$vigil" configure plan --config "$scratch/dpdk.toml")
bare=$("$vigil" configure --config "$scratch/dpdk.toml")
json=$("$vigil" configure plan --json --config "$scratch/dpdk.toml")
after=$(snapshot /)
[[ $before == "$after" ]] || fail "configure plan changed the machine: $(diff <(echo "$before") <(echo "$after"))"
[[ $out == "$bare" ]] || fail "bare configure is not plan"
grep -q 'change(s) needed' <<<"$out" || fail "no plan summary: $out"
grep -q 'hugepages vm.nr_hugepages' <<<"$out" || fail "plan lacks hugepages: $out"
grep -q 'nic .* 0000:00:03.0' <<<"$out" || fail "plan lacks the NIC: $out"
python3 -c 'import json,sys; j=json.load(sys.stdin); assert {"stage","what","now","want","needed"} <= j["changes"][0].keys()' <<<"$json" \
  || fail "plan --json"
echo "plan on this machine (unchanged afterwards):"
echo "$out"

# 2. A scratch system image.
root=$scratch/root
mkdir -p "$root/proc/sys/vm" "$root/proc/sys/net/core" "$root/etc"
echo 0 > "$root/proc/sys/vm/nr_hugepages"
echo 212992 > "$root/proc/sys/net/core/rmem_max"
echo 212992 > "$root/proc/sys/net/core/wmem_max"
printf 'root:x:0:0:root:/root:/bin/bash\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
cat > "$scratch/udp.toml" <<TOML
data_dir = "/var/lib/vigil"
$required
TOML
cfg=(--config "$scratch/udp.toml" --root "$root" --hugepages 16)
image=$(snapshot "$root")
plan=$("$vigil" configure plan "${cfg[@]}")
[[ $(snapshot "$root") == "$image" ]] || fail "plan changed the image"
grep -q '^7 change(s) needed' <<<"$plan" || fail "expected 7 changes: $plan"

"$vigil" configure apply "${cfg[@]}" > "$scratch/apply1" || fail "apply: $(cat "$scratch/apply1")"
[[ $(cat "$root/proc/sys/vm/nr_hugepages") == 16 ]] || fail "hugepages not set"
[[ $(cat "$root/proc/sys/net/core/rmem_max") == 134217728 ]] || fail "rmem_max not set"
grep -q '^net.core.wmem_max = 134217728$' "$root/etc/sysctl.d/60-vigil.conf" || fail "sysctl.d not written"
grep -q '^vigil:' "$root/etc/passwd" || fail "user not added"
[[ $(stat -c %a "$root/var/lib/vigil") == 750 ]] || fail "data dir mode"
[[ $(stat -c %u "$root/var/lib/vigil") == $(awk -F: '$1=="vigil"{print $3}' "$root/etc/passwd") ]] \
  || fail "data dir not owned by vigil"
applied=$(snapshot "$root")
"$vigil" configure apply "${cfg[@]}" | grep -q 'nothing to do' || fail "second apply did something"
[[ $(snapshot "$root") == "$applied" ]] || fail "second apply changed the image"
grep -q '^0 change(s) needed' <<<"$("$vigil" configure plan "${cfg[@]}")" || fail "plan after apply"

# A ledger in the data dir is never removed by undo.
touch "$root/var/lib/vigil/LEDGER"
"$vigil" configure undo "${cfg[@]}" > "$scratch/undo1" || fail "undo: $(cat "$scratch/undo1")"
grep -q 'kept /var/lib/vigil: not empty' "$scratch/undo1" || fail "undo removed or ignored a ledger"
[[ -f $root/var/lib/vigil/LEDGER ]] || fail "ledger lost"
rm "$root/var/lib/vigil/LEDGER" && rmdir "$root/var/lib/vigil"
[[ $(snapshot "$root") == "$image" ]] || fail "undo did not restore: $(diff <(echo "$image") <(snapshot "$root"))"
"$vigil" configure undo "${cfg[@]}" | grep -q 'nothing to undo' || fail "second undo did something"
[[ $(snapshot "$root") == "$image" ]] || fail "second undo changed the image"
echo "ok: plan changes nothing; apply and undo are idempotent and undo restores the image"
