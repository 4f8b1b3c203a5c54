#!/usr/bin/env bash
# Installs every Debian package Vigil needs, idempotently and quietly.
# apt-get update runs only when something is missing. CUDA comes from the
# machine (/usr/local/cuda); its absence is not an error.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git
  clang clang-format clang-tidy libclang-rt-14-dev
  libgtest-dev libgmock-dev
  libboost-dev
  dpdk-dev libdpdk-dev
  libisal-dev
  librocksdb-dev
  libsodium-dev libssl-dev
  opencl-headers ocl-icd-opencl-dev pocl-opencl-icd clinfo
  libpcap-dev
  libcli11-dev nlohmann-json3-dev libfmt-dev
  python3 python3-nacl
  libtomlplusplus-dev libspdlog-dev prometheus-cpp-dev libboost-system-dev
  rocksdb-tools libnuma-dev
  gnuplot-nox nftables iproute2 prometheus chromium
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi

echo "setup-deps: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "setup-deps: done"
