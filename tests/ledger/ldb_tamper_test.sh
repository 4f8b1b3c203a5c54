#!/usr/bin/env bash
# Tampering through RocksDB's own tool (ldb, Debian rocksdb-tools), not the
# ledger's API: a flipped receipt byte, a flipped frame byte, a deleted
# block, a deleted state node. Each makes `vigil audit --json` exit 1 naming
# the height; the untouched store passes.
# Usage: ldb_tamper_test.sh VIGIL
set -u
VIGIL=$1
command -v ldb >/dev/null || { echo "SKIP: ldb (rocksdb-tools) not installed"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 not installed"; exit 77; }
work=$(mktemp -d /tmp/vigil-ldb-test-XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$VIGIL" bench ledger --data "$work/clean" --blocks 6 --txs 15 --senders 8 --accounts 40 \
  --prune-keep 2 >/dev/null || fail "bench ledger"
out=$("$VIGIL" audit --json "$work/clean") || fail "clean store: $out"
[[ $out == *'"ok":true'* && $out == *'"height":6'* ]] || fail "clean store: $out"

# expect_bad NAME HEIGHT: audit the copy NAME, expect exit 1 naming HEIGHT.
expect_bad() {
  local out rc
  out=$("$VIGIL" audit --json "$work/$1"); rc=$?
  [[ $rc == 1 ]] || fail "$1: audit exit $rc: $out"
  [[ $out == *"\"first_bad_height\":$2,"* && $out == *'"ok":false'* ]] || fail "$1: $out"
  echo "$1: $out"
}
# flip VALUE_HEX: the same hex with the low bit of its last byte flipped.
flip() { python3 -c "import sys; v=bytearray.fromhex(sys.argv[1][2:]); v[-1]^=1; print('0x'+v.hex())" "$1"; }
key() { printf '0x%016X' "$1"; }

cp -r "$work/clean" "$work/receipt"
v=$(ldb --db="$work/receipt" --column_family=receipts get --key_hex "$(key 3)" --value_hex) || fail "ldb get"
ldb --db="$work/receipt" --column_family=receipts put --key_hex --value_hex "$(key 3)" "$(flip "$v")" >/dev/null || fail "ldb put"
expect_bad receipt 3

cp -r "$work/clean" "$work/frame"
v=$(ldb --db="$work/frame" --column_family=blocks get --key_hex "$(key 4)" --value_hex) || fail "ldb get"
ldb --db="$work/frame" --column_family=blocks put --key_hex --value_hex "$(key 4)" "$(flip "$v")" >/dev/null || fail "ldb put"
expect_bad frame 4

cp -r "$work/clean" "$work/deleted"
ldb --db="$work/deleted" --column_family=blocks delete --key_hex "$(key 2)" >/dev/null || fail "ldb delete"
expect_bad deleted 2

cp -r "$work/clean" "$work/node"
k=$(ldb --db="$work/node" --column_family=state scan --key_hex --from="$(key 5)" --max_keys=1 | cut -d' ' -f1)
[[ $k == 0x00000000000000050* ]] || fail "no state node of version 5: $k"
ldb --db="$work/node" --column_family=state delete --key_hex "$k" >/dev/null || fail "ldb delete"
expect_bad node 5
echo "ldb tamper: all refused"
