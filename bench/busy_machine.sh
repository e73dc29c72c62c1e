#!/usr/bin/env bash
# nst's speed on an idle and on a busy machine (issue 11, item 1): the demo pair at 128 px, 10 L-BFGS
# iterations on the CPU, one process alone, then two at once; seconds per iteration as nst prints
# them ("wrote … (T s, X s/iteration)"), median over rounds, the variants alternated in each round.
#
#   bash bench/busy_machine.sh [rounds] [variant ...]
#
# A variant is what is added to the environment, e.g. 'OMP_WAIT_POLICY=PASSIVE' or
# 'GOMP_SPINCOUNT=300000' (libgomp's own default, i.e. nst before it chose its wait policy); '-'
# adds nothing: nst as a user runs it; a word NST=path in a variant runs that binary instead (e.g. a
# build of an older commit). Default variants: '-' and 'GOMP_SPINCOUNT=300000'.
# Every run has OMP_WAIT_POLICY, GOMP_SPINCOUNT, OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed
# from its environment first. NST=path/to/nst (default build/nst); NST_SHARED_DIR (default ../shared);
# IMAGE_SIZE (default 128).
# WAIT_IDLE=1 starts each measurement only once the CPUs were at least 90% idle for 2 s (for the
# idle-machine numbers on a shared machine). Each line says how many CPUs other processes kept busy
# during the measurement (busy time from /proc/stat less nst's own user+system time, per second).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
shift || true
variants=("$@")
[[ ${#variants[@]} -gt 0 ]] || variants=(- GOMP_SPINCOUNT=300000)
nst=${NST:-build/nst}
shared=${NST_SHARED_DIR:-../shared}
size=${IMAGE_SIZE:-128}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nst_command() {  # nst_command VARIANT: sets cmd to the command line that runs nst in that variant
  local words=() add=() binary=$nst w
  [[ $1 == - ]] || read -r -a words <<<"$1"
  for w in "${words[@]}"; do
    if [[ $w == NST=* ]]; then binary=${w#NST=}; else add+=("$w"); fi
  done
  cmd=(env -u OMP_WAIT_POLICY -u GOMP_SPINCOUNT -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "${add[@]}" "$binary")
}
stylize() {  # stylize VARIANT NAME: one run; its s/iteration → $tmp/NAME.sit, user+sys s → $tmp/NAME.cpu
  nst_command "$1"
  local TIMEFORMAT='%U %S'
  { time "${cmd[@]}" --content "$shared/images/tubingen.jpg" --style "$shared/images/starry_night.jpg" \
      --weights "$shared/weights/vgg19_partial_notop.h5" --output "$tmp/$2.png" --image-size "$size" \
      --iterations 10 --device cpu >"$tmp/$2.log" 2>&1; } 2>"$tmp/$2.time"
  sed -n 's/^wrote .*, \([0-9.]*\) s\/iteration)$/\1/p' "$tmp/$2.log" >"$tmp/$2.sit"
  awk '{print $1 + $2}' "$tmp/$2.time" | tail -1 >"$tmp/$2.cpu"
}
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
wait_idle() {
  [[ ${WAIT_IDLE:-0} == 1 ]] || return 0
  local a b
  while :; do
    a=$(busy_ticks); sleep 2; b=$(busy_ticks)
    (( (b - a) * 100 <= 10 * 2 * $(getconf CLK_TCK) * $(nproc) )) && return 0
  done
}
measure() {  # measure VARIANT COUNT NAME: COUNT runs at once; prints their s/iteration, then others' CPUs
  local variant=$1 count=$2 name=$3 i before after start end own=0
  wait_idle
  before=$(busy_ticks); start=$(date +%s.%N)
  for ((i = 0; i < count; ++i)); do stylize "$variant" "$name$i" & done
  wait
  after=$(busy_ticks); end=$(date +%s.%N)
  for ((i = 0; i < count; ++i)); do own=$(awk -v a="$own" -v b="$(cat "$tmp/$name$i.cpu")" 'BEGIN {print a + b}'); done
  for ((i = 0; i < count; ++i)); do printf '%s ' "$(cat "$tmp/$name$i.sit")"; done
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v own="$own" -v s="$start" -v e="$end" \
    'BEGIN {o = (t / hz - own) / (e - s); printf "s/it (others %.2f CPUs)", (o > 0 ? o : 0)}'
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

echo "nst: $nst ($(nproc) CPUs, ${size} px); the spin count libgomp uses in each variant (OMP_DISPLAY_ENV=VERBOSE):"
for v in "${variants[@]}"; do
  nst_command "$v"
  spin=$(OMP_DISPLAY_ENV=VERBOSE "${cmd[@]}" --help 2>&1 >/dev/null | grep GOMP_SPINCOUNT | tr -s ' ')
  echo "  [$v] $spin"
done

for ((r = 1; r <= rounds; ++r)); do
  for i in "${!variants[@]}"; do
    v=${variants[$i]}
    load=$(cut -d' ' -f1 /proc/loadavg)
    alone=$(measure "$v" 1 alone)
    pair=$(measure "$v" 2 pair)
    echo "round $r [$v] load $load: alone $alone; two at once $pair"
    echo "${alone%% *}" >>"$tmp/alone$i"
    read -r a b _ <<<"$pair"
    printf '%s\n%s\n' "$a" "$b" >>"$tmp/pair$i"
  done
done

echo "medians over $rounds rounds (s/iteration):"
for i in "${!variants[@]}"; do
  alone=$(median <"$tmp/alone$i"); pair=$(median <"$tmp/pair$i")
  echo "  [${variants[$i]}] alone $alone, two at once $pair ($(awk -v a="$alone" -v p="$pair" 'BEGIN {printf "%.1f", p/a}')x the time alone)"
done
