#!/usr/bin/env bash
# Vigil's main job, as far as it is built: until the daemon exists, a short
# verification benchmark (every engine and rule set next to libsodium and
# OpenSSL, measured in the same run) and a short hashing benchmark.
set -euo pipefail
build=${1:-build/release}
vigil="$build/bin/vigil"

"$vigil" info
echo
echo "== Ed25519 verification (vigil bench verify) =="
"$vigil" bench verify --seconds 0.5
echo
echo "== SHA-2 and Merkle (vigil bench hash) =="
"$vigil" bench hash --seconds 0.1
