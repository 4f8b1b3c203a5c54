#!/usr/bin/env bash
# The Debian package: `cpack -G DEB` in this build folder makes vigil_*.deb;
# its contents (dpkg-deb -c) and control fields are what issue 18 lists; it
# unpacks into a scratch root (dpkg -x) where vigild --version and
# vigil --version run. Skips (77) without dpkg-deb.
# usage: package_test.sh BUILD_DIR HAVE_VIGILD HAVE_CLIENT
set -euo pipefail
build=$1 have_vigild=$2 have_client=$3
for tool in cpack dpkg-deb dpkg-shlibdeps; do
  command -v $tool >/dev/null || { echo "skip: $tool is not installed"; exit 77; }
done
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cpack -G DEB -B "$scratch/out" --config "$build/CPackConfig.cmake" > "$scratch/cpack.log" 2>&1 \
  || fail "cpack: $(tail -20 "$scratch/cpack.log")"
deb=$(ls "$scratch"/out/vigil_*_amd64.deb)
contents=$(dpkg-deb -c "$deb" | awk '{print $1, $NF}')
want=(./usr/bin/vigil ./lib/systemd/system/vigild.service ./etc/vigil/vigil.toml ./var/lib/vigil/)
[[ $have_vigild == 1 ]] && want+=(./usr/bin/vigild)
[[ $have_client == 1 ]] && want+=(./usr/lib/libvigil_client.so ./usr/include/vigil_client.h)
for f in "${want[@]}"; do
  grep -q " $f\$" <<<"$contents" || fail "$deb lacks $f; it has: $contents"
done
grep -q '^-rwxr-xr-x ./usr/bin/vigil$' <<<"$contents" || fail "vigil is not 0755"

field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == vigil ]] || fail "Package: $(field Package)"
[[ $(field Architecture) == amd64 ]] || fail "Architecture: $(field Architecture)"
[[ -n $(field Version) ]] || fail "no Version"
# dpkg-shlibdeps found the shared libraries the binaries link.
depends=$(field Depends)
for lib in libc6 libsodium23 libstdc++6; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
grep -q adduser <<<"$(field Pre-Depends)" || fail "Pre-Depends lacks adduser"

dpkg-deb -e "$deb" "$scratch/control"
grep -q 'adduser --system' "$scratch/control/postinst" || fail "postinst adds no system user"
grep -q '/var/lib/vigil' "$scratch/control/postinst" || fail "postinst makes no /var/lib/vigil"
grep -qx '/etc/vigil/vigil.toml' "$scratch/control/conffiles" || fail "vigil.toml is not a conffile"
for s in postinst prerm postrm; do sh -n "$scratch/control/$s" || fail "$s: syntax"; done

# Unpacked into a scratch root, the programs run from there.
dpkg -x "$deb" "$scratch/root"
export LD_LIBRARY_PATH=$scratch/root/usr/lib
"$scratch/root/usr/bin/vigil" --version || fail "vigil --version"
if [[ $have_vigild == 1 ]]; then
  "$scratch/root/usr/bin/vigild" --version || fail "vigild --version"
else
  echo "note: this build has no vigild target yet; the package holds vigil only"
fi
# Built for the baseline x86-64 ISA: only the run-time dispatched engine files
# carry -m flags (-mavx2, -mavx512ifma); nothing is tuned to the build machine.
if grep -q -- '-march=native' "$build/compile_commands.json"; then
  fail "built with -march=native: the package would not run on every x86-64 CPU"
fi
echo "ok: $(basename "$deb"): $(wc -l <<<"$contents") entries, Depends: $depends"
