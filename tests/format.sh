#!/usr/bin/env bash
# Checks that every tracked C++ and CUDA file is laid out as .clang-format says (DESIGN.md); lists
# the files that are not, with the first lines that differ. `tests/format.sh --fix` rewrites them.
# clang-format 14 (Debian's clang-format-14): other versions lay some constructs out differently.
set -euo pipefail
cd "$(dirname "$0")/.."
format=$(command -v clang-format-14 || command -v clang-format)
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.cu' '*.cuh')
if [ "${1:-}" = "--fix" ]; then
  "$format" -i "${files[@]}"
  exit 0
fi
bad=0
for file in "${files[@]}"; do
  if ! "$format" "$file" | diff -q "$file" - >/dev/null; then
    echo "format: $file differs from .clang-format's layout:"
    "$format" "$file" | diff "$file" - | head -n 8 || true
    bad=$((bad + 1))
  fi
done
echo "format: ${#files[@]} files, $bad not laid out as .clang-format says"
[ "$bad" = 0 ]
