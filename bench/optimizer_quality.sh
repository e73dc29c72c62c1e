#!/usr/bin/env bash
# The measurements behind issue 13's defaults, on the CPU with the demo pair (tubingen.jpg painted
# like starry_night.jpg, ../shared) and the partial VGG19 weights:
#
#   bash bench/optimizer_quality.sh keep SIZE ITERATIONS     Adam at its default rate, --keep best,
#        ema and last: the loss of the image written, and where it came from (the images are left
#        in $OUT, default /tmp/nst_optimizer_quality)
#   bash bench/optimizer_quality.sh line-search SIZE EVALUATIONS [ROUNDS]    L-BFGS with
#        --lbfgs-line-search none and strong-wolfe, from --init content and random: the loss after
#        the iteration at which the run has spent EVALUATIONS evaluations of the objective (each one
#        forward and backward pass, which is what an iteration's time is), the wall time to there,
#        the load average before and after each run, and each arm's loss at the time the faster of
#        the pair finished; the arms alternate, ROUNDS times (default 1)
#   bash bench/optimizer_quality.sh pooling-pictures SIZE ITERATIONS    the pictures of max pooling,
#        avg pooling at the same weights and avg with the advised --style-weight ($OUT/{max,avg,avg_advised}.png)
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
# Seconds from the stamped "optimizer:" line (the loop starts) to the "wrote" line of a stamped log.
loop_seconds() {
  awk '$2 == "optimizer:" { zero = $1 } $2 == "wrote" { printf "%.1f\n", $1 - zero }' "$1"
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
  size=$1 evaluations=$2 rounds=${3:-1}
  # The arms interleaved (none, strong-wolfe; then strong-wolfe, none in the next round: ABBA), each
  # output line stamped with the seconds since the run started, so that the loss can also be read at
  # an equal wall time: the earlier finish of the two arms in the same round and init.
  for round in $(seq "$rounds"); do
    searches="none strong-wolfe"
    [ $((round % 2)) = 0 ] && searches="strong-wolfe none"
    for init in content random; do
      for search in $searches; do
        log=$out/ls_${search}_${init}_${size}_r${round}.log
        echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >"$log"
        start=$(date +%s.%N)
        run_nst --lbfgs-line-search "$search" --init "$init" --seed 1 --image-size "$size" \
          --iterations "$evaluations" --max-evaluations "$evaluations" --print-every 1 --keep last \
          -o "$out/ls_${search}_${init}_${size}.png" 2>&1 |
          while IFS= read -r line; do echo "$(echo "$(date +%s.%N) - $start" | bc) $line"; done >>"$log"
        echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$log"
        echo "round $round, $init init, $size px, line search $search: $(grep ' wrote ' "$log" |
          sed 's/^[^ ]* wrote [^:]*: //') [$(loop_seconds "$log") s from the loop's start to the output; \
$(grep '^load' "$log" | tr '\n' ' ')]"
      done
      # The loss each arm had reached by the time the faster one finished its loop.
      a=$out/ls_none_${init}_${size}_r${round}.log b=$out/ls_strong-wolfe_${init}_${size}_r${round}.log
      t=$( (loop_seconds "$a" && loop_seconds "$b") | sort -g | head -1)
      for log in "$a" "$b"; do
        awk -v t="$t" -v arm="$(basename "$log" .log)" '$2 == "optimizer:" { zero = $1 }
          $2 == "iteration" && $1 - zero <= t { last = $3 " loss " $5 }
          END { print "  at " t " s, " arm ": iteration " (last == "" ? "none yet" : last) }' "$log"
      done
    done
  done
  ;;
pooling-pictures)
  # L-BFGS from the content with max pooling, avg pooling at the same weights, and avg pooling with
  # the --style-weight its note advises (30x); bench/pooling_composite.py lays them out for docs/.
  size=$1 iterations=$2
  for arm in "max --pooling max" "avg --pooling avg" "avg_advised --pooling avg --style-weight 3000"; do
    set -- $arm
    name=$1
    shift
    echo "load before $name: $(cut -d' ' -f1-3 /proc/loadavg)"
    run_nst --image-size "$size" --iterations "$iterations" --print-every 0 -o "$out/$name.png" "$@" 2>&1 |
      grep -E '^(note|wrote)'
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
  echo "usage: $0 keep SIZE ITERATIONS | line-search SIZE EVALUATIONS [ROUNDS] | pooling-pictures SIZE ITERATIONS | pooling SIZE..." >&2
  exit 2
  ;;
esac
