#!/usr/bin/env bash
# Vigil's main job, as far as it is built: until the daemon exists, a short
# verification benchmark with its peers measured in the same run.
set -euo pipefail
build=${1:-build/release}
"$build/bin/vigil" info
