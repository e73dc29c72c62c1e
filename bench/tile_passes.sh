#!/usr/bin/env bash
# How the number of passes over the tiles (--tile-passes) changes a tiled run at a fixed number of
# iterations per pixel (bench/RESULTS.md, "How many passes (--tile-passes), measured"):
#
#   bash bench/tile_passes.sh CONTENT STYLE SIZE TILE_SIZE ITERATIONS [PASSES...]   (default 1 2 3 4 6)
#
# CONTENT and STYLE are names in ../shared/images. One untiled run of ITERATIONS iterations, then
# one tiled run per PASSES (--tile-size TILE_SIZE, ITERATIONS/PASSES iterations per visit), each a
# table row: the whole image's J of the image written (nst explain --init), its PSNR to the untiled
# image (nst compare), the wall time and the load average before the run. The images and logs are
# left in $OUT (default /tmp/nst_tile_passes). Every run has OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
# removed from its environment. NST=path/to/nst (default build/nst); NST_SHARED_DIR (default ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
nst=${NST:-build/nst}
shared=${NST_SHARED_DIR:-../shared}
out=${OUT:-/tmp/nst_tile_passes}
content=$1 style=$2 size=$3 tile=$4 iterations=$5
shift 5
passes_list=${*:-1 2 3 4 6}
mkdir -p "$out"
problem=(--content "$shared/images/$content" --style "$shared/images/$style"
  --weights "$shared/weights/vgg19_partial_notop.h5" --image-size "$size" --device cpu)
stem=$out/${content%.*}_${style%.*}_${size}
run_nst() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$nst" "$@"; }
objective() { run_nst explain "${problem[@]}" --init "$1" | sed -n 's/.*(J \([0-9.e+-]*\).*/\1/p'; }
# Runs nst with "$@" writing $1.png (log $1.log); prints the wall seconds and the load before it.
timed_run() {
  local name=$1 load start
  shift
  load=$(cut -d' ' -f1 /proc/loadavg)
  start=$(date +%s.%N)
  run_nst "${problem[@]}" --iterations "$iterations" "$@" -o "$name.png" >"$name.log" 2>&1
  echo "$(echo "$(date +%s.%N) - $start" | bc | xargs printf '%.0f') s | $load"
}
echo "$content on $style, $size px, $iterations iterations, --tile-size $tile"
echo "| passes | iterations per visit | J | PSNR to untiled | wall | load before |"
echo "|---|---|---|---|---|---|"
untiled_time=$(timed_run "${stem}_untiled")
echo "| untiled | $iterations | $(objective "${stem}_untiled.png") | | $untiled_time |"
for passes in $passes_list; do
  name=${stem}_tile${tile}_passes$passes
  row_time=$(timed_run "$name" --tile-size "$tile" --tile-passes "$passes")
  psnr=$(run_nst compare "${stem}_untiled.png" "$name.png" | sed -n 's/.*PSNR \([^ ]*\) dB.*/\1/p')
  echo "| $passes | $(((iterations + passes - 1) / passes)) | $(objective "$name.png") | $psnr dB | $row_time |"
done
grep -h 'optimised in' "${stem}"_tile*.log | head -1
