#!/usr/bin/env bash
# Fails when a tracked C, C++, CUDA or OpenCL source differs from what
# clang-format (the project's .clang-format) would write.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp' '*.cu' '*.cuh' '*.cl')
((${#files[@]})) || exit 0
bad=()
for f in "${files[@]}"; do
  [[ -f $f ]] || continue
  if ! clang-format --style=file "$f" | cmp -s - "$f"; then bad+=("$f"); fi
done
if ((${#bad[@]})); then
  echo "format-check: ${#bad[@]} file(s) need clang-format -i:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
echo "format-check: ${#files[@]} files formatted"
