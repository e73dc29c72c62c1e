#!/usr/bin/env bash
# One style-transfer iteration at 256 px (256x192 for the demo pair) on the CPU: nst against
# PyTorch (Debian's python3-torch) doing the same computation with the same thread count.
#   bash bench/compare_pytorch.sh [threads]      (after bash setup.sh; needs python3-torch, python3-h5py, python3-pil)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
shared=${NST_SHARED_DIR:-../shared}
weights=$shared/weights/vgg19_partial_notop.h5
content=$shared/images/tubingen.jpg
style=$shared/images/starry_night.jpg
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads ./build/nst --content "$content" --style "$style" \
  --weights "$weights" --output "$out/o.png" --image-size 256 --iterations 12 --print-every 0 --device cpu >"$out/nst.log" 2>&1
nst_seconds=$(grep -o '[0-9.]* s/iteration' "$out/nst.log" | cut -d' ' -f1)
torch_line=$(/usr/bin/python3 bench/pytorch_reference.py --weights "$weights" --content "$content" --style "$style" \
  --size 256 --threads "$threads" --iterations 10)
torch_seconds=$(echo "$torch_line" | grep -o '[0-9.]* s/iteration' | cut -d' ' -f1)
echo "nst: $nst_seconds s/iteration ($threads threads, $(grep -m1 '^image' "$out/nst.log"))"
echo "$torch_line"
python3 -c "print(f'nst time / pytorch time = {$nst_seconds / $torch_seconds:.2f}')"
