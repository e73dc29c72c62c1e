#!/usr/bin/env bash
# The measurements behind issue 13's defaults, on the CPU with the demo pair (tubingen.jpg painted
# like starry_night.jpg, ../shared) and the partial VGG19 weights:
#
#   bash bench/optimizer_quality.sh keep SIZE ITERATIONS     Adam at its default rate, --keep best,
#        ema and last: the loss of the image written, and where it came from (the images are left
#        in $OUT, default /tmp/nst_optimizer_quality)
#   bash bench/optimizer_quality.sh line-search SIZE EVALUATIONS    L-BFGS with --lbfgs-line-search
#        none and strong-wolfe, from --init content and random: the loss after the iteration at
#        which the run has spent EVALUATIONS evaluations of the objective (each one forward and
#        backward pass, which is what an iteration's time is), and the wall time to there
#   bash bench/optimizer_quality.sh pooling SIZE...           the loss of the content image at
#        step 0 with --pooling max and avg, and the ratio of their style terms
#
# Every run has OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment.
# NST=path/to/nst (default build/nst); NST_SHARED_DIR (default ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
nst=${NST:-build/nst}
shared=${NST_SHARED_DIR:-../shared}
out=${OUT:-/tmp/nst_optimizer_quality}
mkdir -p "$out"
export NST_WEIGHTS=$shared/weights/vgg19_partial_notop.h5
run_nst() {
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$nst" --content "$shared/images/tubingen.jpg" \
    --style "$shared/images/starry_night.jpg" --device cpu "$@"
}
mode=$1
shift
case $mode in
keep)
  size=$1 iterations=$2
  for keep in best ema last; do
    log=$out/keep_${keep}_${size}.log
    run_nst --optimizer adam --keep "$keep" --image-size "$size" --iterations "$iterations" --print-every 1 \
      -o "$out/keep_${keep}_${size}.png" >"$log" 2>&1
    echo "keep $keep, $size px, $iterations iterations: $(grep '^wrote' "$log")"
  done
  # The last image's loss along the run (the loss printed at iteration i is x_{i-1}'s).
  awk '/^iteration/ { split($2, it, "/"); print it[1] - 1, $4 }' "$out/keep_last_${size}.log" >"$out/adam_losses_${size}.txt"
  sort -g -k2 "$out/adam_losses_${size}.txt" | head -1 | awk '{ print "lowest loss along the run: x_" $1 ", " $2 }'
  ;;
line-search)
  size=$1 evaluations=$2
  for init in content random; do
    for search in none strong-wolfe; do
      log=$out/ls_${search}_${init}_${size}.log
      # Iterations: enough to spend the evaluations (none: one each; strong-wolfe: at least one).
      SECONDS=0
      run_nst --lbfgs-line-search "$search" --init "$init" --seed 1 --image-size "$size" \
        --iterations "$evaluations" --max-evaluations "$evaluations" --print-every 1 --keep last \
        -o "$out/ls_${search}_${init}_${size}.png" >"$log" 2>&1
      echo "$init init, $size px, line search $search: $(grep '^wrote' "$log" | sed 's/^wrote [^:]*: //')"
    done
  done
  ;;
pooling)
  for size in "$@"; do
    for pooling in max avg; do
      run_nst --pooling "$pooling" --image-size "$size" --iterations 0 -o "$out/pool.png" 2>&1 |
        grep '^wrote' | sed "s/^/$size px, $pooling: /"
    done
  done
  ;;
*)
  echo "usage: $0 keep SIZE ITERATIONS | line-search SIZE EVALUATIONS | pooling SIZE..." >&2
  exit 2
  ;;
esac
