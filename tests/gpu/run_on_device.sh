#!/usr/bin/env bash
# Run on a machine with an NVIDIA GPU (under 5 minutes on an H100). Uses the bundle that
# tests/gpu/prepare_device_bundle.sh packed (device-bundle.tar.xz, carried along), or builds one
# here when the machine has the build dependencies. Runs:
#   1. the CUDA tests (ctest -L cuda), then the CUDA kernel tests again under compute-sanitizer
#      memcheck when it works on this machine;
#   2. the benchmarks (ours against cuDNN/cuBLAS, GFLOP/s and % of peak);
#   3. the demo pair at 512 px for 50 iterations on the GPU (seconds per iteration, peak memory),
#      again with --tf32 and with --cuda-graph;
# and prints a short table last. Full logs go to $OUT (or ./device-logs).
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PATH:/usr/local/cuda/bin"
out=${OUT:-device-logs}
mkdir -p "$out"
bundle=device-bundle
[ -f device-bundle.tar.xz ] && tar -xJf device-bundle.tar.xz
if [ ! -x "$bundle/nst" ]; then
  bundle=build-device
  echo "no carried bundle: building here" | tee "$out/build.log"
  cmake -S . -B "$bundle" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNST_CUDA=ON >>"$out/build.log" 2>&1 &&
    cmake --build "$bundle" --parallel >>"$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
fi
export LD_LIBRARY_PATH="$PWD/$bundle/lib:${LD_LIBRARY_PATH:-}"
[ -d /usr/local/cuda/lib64 ] && export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:/usr/local/cuda/lib64"
# What the programs still cannot find (cuBLAS, cuDNN: perhaps only as the wheels beside PyTorch,
# nvidia-cublas and nvidia-cudnn-cu13): add the folder that holds it.
missing=$(for program in "$bundle/nst" "$bundle"/tests/* "$bundle"/bench/*; do
  ldd "$program" 2>/dev/null | awk '/not found/{print $1}'
done | sort -u)
for lib in $missing; do
  found=$(find /usr /opt /root -name "$lib" 2>/dev/null | head -1)
  if [ -n "$found" ]; then
    export LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$(dirname "$found")"
  else
    echo "no $lib on this machine: the programs that need it will not start" | tee -a "$out/build.log"
  fi
done
export NST_SHARED_DIR="$PWD/$bundle/shared"
[ -d "$NST_SHARED_DIR" ] || export NST_SHARED_DIR="$PWD/../shared"
card=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1)
commit=$(cat "$bundle/commit.txt" 2>/dev/null || git rev-parse --short HEAD 2>/dev/null || echo unknown)
echo "card: $card; commit: $commit" | tee "$out/summary.txt"

# 1. CUDA tests.
timeout 150 "$bundle/tests/nst_cuda_tests" --gtest_brief=1 >"$out/cuda_tests.log" 2>&1
tests_rc=$?
tests_line=$(grep -E "^\[  (PASSED|FAILED|SKIPPED) " "$out/cuda_tests.log" | tr '\n' ' ')
tf32_error=$(grep -o 'TF32 forward error against FP32.*' "$out/cuda_tests.log" | head -1)
memcheck="not run"
if command -v compute-sanitizer >/dev/null; then
  timeout 90 compute-sanitizer --tool memcheck --error-exitcode 3 "$bundle/tests/nst_cuda_tests" \
    --gtest_filter='-*Vgg*:*EndToEnd*:*Large*' --gtest_brief=1 >"$out/memcheck.log" 2>&1
  case $? in 0) memcheck="clean" ;; 3) memcheck="ERRORS (see memcheck.log)" ;; 124) memcheck="timed out" ;; *) memcheck="did not run (see memcheck.log)" ;; esac
fi

# 2. Benchmarks on the GPU (each bounded): ceilings, kernels against cuDNN/cuBLAS, whole iterations.
for bench in "$bundle"/bench/*_cuda_bench; do
  timeout 60 "$bench" --benchmark_min_time=0.2 >"$out/$(basename "$bench").log" 2>&1
done
timeout 120 "$bundle/bench/iteration_bench" --benchmark_filter=cuda --benchmark_min_time=1 >"$out/iteration_bench.log" 2>&1
timeout 60 "$bundle/bench/lbfgs_bench" --benchmark_filter=cuda >"$out/lbfgs_bench.log" 2>&1

# 3. The demo pair at 512 px on the GPU, then PyTorch+cuDNN doing the same iteration on the same card.
timeout 60 python3 bench/pytorch_reference.py --weights "$NST_SHARED_DIR/weights/vgg19_partial_notop.h5" \
  --content "$NST_SHARED_DIR/images/tubingen.jpg" --style "$NST_SHARED_DIR/images/starry_night.jpg" --size 512 \
  --iterations 20 --device cuda >"$out/pytorch.log" 2>&1
pytorch_line=$(grep 's/iteration' "$out/pytorch.log" | tail -1)
# demo NAME [options]: the pair at 512 px, 50 iterations, into $out/demo_NAME.png and .log.
demo() {
  local name=$1
  shift
  timeout 90 "$bundle/nst" --content "$NST_SHARED_DIR/images/tubingen.jpg" \
    --style "$NST_SHARED_DIR/images/starry_night.jpg" --weights "$NST_SHARED_DIR/weights/vgg19_partial_notop.h5" \
    --output "$out/demo_$name.png" --image-size 512 --iterations 50 --print-every 10 --device cuda "$@" \
    >"$out/demo_$name.log" 2>&1
}
demo fp32
demo_rc=$?
demo tf32 --tf32
demo graph --cuda-graph
final_loss() { grep -o 'iteration 50/50  loss [0-9.e+-]*' "$1" | awk '{print $4}'; }
graph_line="$(grep -o '[0-9.]* s/iteration' "$out/demo_graph.log" | head -1), final loss $(final_loss "$out/demo_graph.log") (must equal FP32's); $(grep -E '^CUDA graph' "$out/demo_graph.log")"
tf32_line="$(grep -o '[0-9.]* s/iteration' "$out/demo_tf32.log" | head -1), final loss $(final_loss "$out/demo_tf32.log") against FP32's $(final_loss "$out/demo_fp32.log")"
per_iteration=$(grep -o '[0-9.]* s/iteration' "$out/demo_fp32.log" | head -1)
peak=$(grep -o 'peak device memory [0-9.]* MiB' "$out/demo_fp32.log" | head -1)

for log in "$out"/*_bench.log; do
  [ -f "$log" ] && { echo; echo "$(basename "$log")"; grep -E "^(BM_|Benchmark|-)" "$log" | head -40; }
done
echo
echo "| what | result |"
echo "|---|---|"
echo "| card | $card |"
echo "| commit | $commit |"
echo "| CUDA tests | exit $tests_rc: $tests_line |"
echo "| compute-sanitizer memcheck | $memcheck |"
echo "| demo 512 px, 50 L-BFGS iterations | exit $demo_rc, ${per_iteration:-?}, ${peak:-peak memory ?} |"
echo "| the same with --tf32 | $tf32_line |"
echo "| TF32 conv error (CUDA test) | ${tf32_error:-not measured (see cuda_tests.log)} |"
echo "| the same with --cuda-graph | $graph_line |"
echo "| PyTorch + cuDNN, same iteration | ${pytorch_line:-did not run (see pytorch.log)} |"
