#!/usr/bin/env bash
# One style-transfer iteration on the CPU at 256 px (256x192 for the demo pair): nst against
# PyTorch (Debian's python3-torch) doing the same computation with the same thread count, both in
# the steady state of a long run (after 101 warm-up iterations have filled L-BFGS's history; a
# round takes ~45 s).
# The two run alternately, `rounds` times each, because this kind of shared machine changes speed
# by ±20% from minute to minute; the ratio is of the medians.
#   bash bench/compare_pytorch.sh [threads] [rounds]
# Needs: bash setup.sh (build/bench/iteration_bench) and python3-torch python3-h5py python3-pil.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
rounds=${2:-3}
shared=${NST_SHARED_DIR:-../shared}
export NST_SHARED_DIR=$shared OMP_NUM_THREADS=$threads
nst_times=() torch_times=()
for round in $(seq "$rounds"); do
  nst_ms=$(./build/bench/iteration_bench --benchmark_filter='cpu/256' --benchmark_min_time=3 2>/dev/null |
    awk '/BM_iteration\/cpu\/256/ {print $2}')
  torch_s=$(/usr/bin/python3 bench/pytorch_reference.py --weights "$shared/weights/vgg19_partial_notop.h5" \
    --content "$shared/images/tubingen.jpg" --style "$shared/images/starry_night.jpg" --size 256 \
    --threads "$threads" --iterations 12 | grep -o '[0-9.]* s/iteration' | cut -d' ' -f1)
  echo "round $round: nst ${nst_ms} ms, pytorch $(python3 -c "print(round($torch_s*1000))") ms"
  nst_times+=("$nst_ms") torch_times+=("$torch_s")
done
python3 - "${nst_times[*]}" "${torch_times[*]}" "$threads" <<'PY'
import statistics, sys
nst = statistics.median(float(v) / 1000 for v in sys.argv[1].split())
torch = statistics.median(float(v) for v in sys.argv[2].split())
print(f"median s/iteration with {sys.argv[3]} threads: nst {nst:.3f}, pytorch {torch:.3f}; nst/pytorch = {nst / torch:.2f}")
PY
