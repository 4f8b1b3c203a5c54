#!/usr/bin/env bash
# tools/systemd/vigild.service passes `systemd-analyze verify` with nothing
# printed (verify exits 0 even on unknown keys, so any output is a failure),
# and carries what a validator needs. Skips (77) where systemd is absent.
# usage: systemd_unit_test.sh UNIT VIGILD_BINARY
set -euo pipefail
unit=$1 daemon=$2
if ! command -v systemd-analyze >/dev/null; then
  echo "skip: systemd-analyze is not installed"
  exit 77
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# verify needs ExecStart's binary to exist: point it at this build's.
[[ -x $daemon ]] || daemon=/bin/true
verify() {
  sed "s|^ExecStart=/usr/bin/vigild|ExecStart=$daemon|" "$1" > "$scratch/vigild.service"
  systemd-analyze verify "$scratch/vigild.service" 2>&1
}

out=$(verify "$unit") || { echo "FAIL: systemd-analyze verify exited non-zero: $out"; exit 1; }
if [[ -n $out ]]; then
  echo "FAIL: systemd-analyze verify complained:"
  echo "$out"
  exit 1
fi

# The check itself can fail: a misspelt key must be reported.
sed 's/^NoNewPrivileges=/NoNewPrivilegez=/' "$unit" > "$scratch/broken.service"
if [[ -z $(verify "$scratch/broken.service" || true) ]]; then
  echo "FAIL: systemd-analyze verify did not notice a misspelt key"
  exit 1
fi

for want in '^User=vigil$' '^Restart=on-failure$' '^TimeoutStopSec=' '^NoNewPrivileges=yes$' \
  '^ProtectSystem=strict$' '^ReadWritePaths=/var/lib/vigil$' '^LimitNOFILE=' \
  '^LimitMEMLOCK=infinity$' '^ExecStart=/usr/bin/vigild --config /etc/vigil/vigil.toml$'; do
  grep -q -- "$want" "$unit" || { echo "FAIL: $unit lacks $want"; exit 1; }
done
if grep -q '^CPUAffinity=' "$unit"; then
  echo "FAIL: CPUAffinity belongs to the config's [tiles], not the unit"
  exit 1
fi
echo "ok: $unit verifies and has the validator settings"
