#!/usr/bin/env bash
# What --pixel-bounds changes (bench/RESULTS.md, "Pixel bounds"): the J a run prints for the image it
# optimised against the J of the picture it wrote, with the bounds off and on.
#
#   bash bench/pixel_bounds.sh CONTENT STYLE SIZE ITERATIONS [-- OPTIONS...]
#
# CONTENT and STYLE are names in ../shared/images; OPTIONS go to every run (e.g. --optimizer adam, or
# --tile-size 96 --tile-passes 1). One run per setting, each a table row: the J printed (of the float
# image: the kept image's, or a tiled run's after its last pass), the J of the PNG written (nst
# explain --init), their ratio, and the wall time with the load average before the run (the times
# are not speeds on a shared machine). Images and logs are left in $OUT (default
# /tmp/nst_pixel_bounds). Every run has OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its
# environment. NST=path/to/nst (default build/nst); NST_SHARED_DIR (default ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
nst=${NST:-build/nst}
shared=${NST_SHARED_DIR:-../shared}
out=${OUT:-/tmp/nst_pixel_bounds}
content=$1 style=$2 size=$3 iterations=$4
shift 4
[[ ${1:-} == -- ]] && shift
extra=("$@")
mkdir -p "$out"
problem=(--content "$shared/images/$content" --style "$shared/images/$style"
  --weights "$shared/weights/vgg19_partial_notop.h5" --image-size "$size" --device cpu)
run_nst() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$nst" "$@"; }
written_objective() { run_nst explain "${problem[@]}" --init "$1" | sed -n 's/.*(J \([0-9.e+-]*\).*/\1/p'; }
# The J the run printed last: a tiled run's after its last pass, else the kept image's.
printed_objective() {
  { grep -h '^J after' "$1" | tail -1 | sed -n 's/.*: total \([0-9.e+-]*\):.*/\1/p'
    grep -h '^wrote ' "$1" | sed -n 's/.* total \([0-9.e+-]*\):.*/\1/p'; } | head -1
}
echo "$content on $style, $size px, $iterations iterations${extra[*]:+, ${extra[*]}}"
echo "| --pixel-bounds | J printed | J of the PNG written | written / printed | wall | load before |"
echo "|---|---|---|---|---|---|"
for bounds in off on; do
  name=$out/${content%.*}_${style%.*}_${size}_$bounds
  load=$(cut -d' ' -f1 /proc/loadavg)
  start=$(date +%s.%N)
  run_nst "${problem[@]}" --iterations "$iterations" --pixel-bounds "$bounds" "${extra[@]}" -o "$name.png" \
    >"$name.log" 2>&1
  wall=$(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.0f')
  printed=$(printed_objective "$name.log")
  written=$(written_objective "$name.png")
  ratio=$(awk -v w="$written" -v p="$printed" 'BEGIN { printf "%.3f", w / p }')
  echo "| $bounds | $printed | $written | $ratio | $wall s | $load |"
done
