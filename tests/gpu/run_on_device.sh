#!/usr/bin/env bash
# The GPU run (tests/gpu/README.md says how to start it). On a machine with an NVIDIA GPU, with the
# bundle that tests/gpu/prepare_device_bundle.sh packed (device-bundle.tar.xz, carried along), it
# checks that the programs start (and stops within seconds, saying why, if they do not), then runs,
# most important first, each step bounded and none past a global deadline:
#   1. the CUDA tests, with NST_REQUIRE_GPU=1 (a test that would skip for want of a GPU fails);
#   2. the demo pair at 512 px for 50 L-BFGS iterations (seconds per iteration, peak memory);
#   3. the CUDA kernel tests under compute-sanitizer memcheck;
#   4. PyTorch + cuDNN doing the same iteration on the same card (bench/pytorch_reference.py);
#   5. the demo again in each other --conv-math (tf32, 3xtf32) and with --cuda-graph; then on the
#      CPU, and each math's image against FP32's (PSNR, nst compare);
#   6. the benchmarks: ours against cuDNN/cuBLAS, whole iterations, L-BFGS steps; a row per
#      --conv-math for the conv and Gram benchmarks and for iteration_bench;
#   7. the default --conv-math by its criterion (bench/RESULTS.md), from 5 and 6.
# The device tool brings back at most 8 files from $OUT and the last 12,000 characters of output,
# and kills a command after 600 s. So each table row is printed the moment it is known
# ("ROW | what | result |"), the whole table (< 4 KB) again at the very end, whatever happened; all
# logs go into one archive, $OUT/logs.tar.xz, beside table.md and the demo PNGs.
#
# Settings (environment):
#   OUT                    where the results go (default: ./device-logs)
#   NST_DEVICE_DEADLINE_S  seconds from the start by which everything has ended (default: 420)
#   NST_DEVICE_BUNDLE      a folder in the build folder's layout to use instead of the bundle
#   NST_DEVICE_DRY_RUN=1   for CI, without a GPU: every step, the GPU work replaced by stand-ins
#                          that start the same programs (listing tests and benchmarks, a 32-px demo
#                          on the CPU), each marked "dry run"
# Exit status: 0 once the table is made; 2 when the preflight stopped the run; 1 when what goes
# back breaks the device tool's limits, or the dry run saw the bundle's libraries reach Python.
set -uo pipefail
shopt -s nullglob  # a glob that matches nothing expands to nothing
cd "$(dirname "$0")/../.." || exit 2
export PATH="$PATH:/usr/local/cuda/bin:/sbin:/usr/sbin"  # compute-sanitizer, ldconfig

deadline=${NST_DEVICE_DEADLINE_S:-420}
reserve=20  # seconds kept after the last step for packing the logs and printing the table
dry_run=${NST_DEVICE_DRY_RUN:-0}
out=${OUT:-device-logs}
mkdir -p "$out"
logs=$(mktemp -d)
table=$logs/table.md
: >"$table"
problems=()  # what breaks the limits (or, in the dry run, keeps Python's environment unclean)

# row WHAT RESULT: one row of the table, printed now and again at the end (its result cut to 180
# characters, so that even 18 rows stay under 4 KB).
row() {
  local line
  line="| $1 | $(printf '%s' "$2" | tr '\n|' ' /' | cut -c1-180) |"
  echo "ROW $line"
  echo "$line" >>"$table"
}

# On every way out (the end, a stopped preflight, a script error): pack the logs, check what goes
# back against the device tool's limits, print the table.
# shellcheck disable=SC2317  # (called by the trap)
finish() {
  local status=$? log size
  trap - EXIT
  row "run" "$SECONDS s of the $deadline s deadline$([ "$dry_run" = 1 ] && echo ', dry run')"
  # A runaway log (memcheck can write gigabytes) would take minutes to compress: keep its ends.
  for log in "$logs"/*.log; do
    size=$(stat -c %s "$log")
    if ((size > 8 << 20)); then
      { head -c 4M "$log"; printf '\n[… %s bytes in all, cut to the first and last 4 MiB …]\n' "$size"
        tail -c 4M "$log"; } >"$log.cut" && mv "$log.cut" "$log"
    fi
  done
  tar -C "$logs" -cJf "$out/logs.tar.xz" --exclude=table.md . || problems+=("the logs were not packed")
  local files big
  : >"$out/table.md"  # written last, counted now
  files=$(find "$out" -type f | wc -l)
  big=$(find "$out" -type f -size +16M | tr '\n' ' ')
  ((files <= 8)) || problems+=("$files files in $out (the tool brings back 8)")
  [ -z "$big" ] || problems+=("over 16 MiB: $big")
  ((${#problems[@]} == 0)) || { row "problems" "${problems[*]}"; status=1; }
  { echo "| what | result |"; echo "|---|---|"; cat "$table"; } >"$out/table.md"
  (($(stat -c %s "$out/table.md") < 4096)) || { echo "the table is over 4 KB"; status=1; }
  echo
  cat "$out/table.md"
  rm -rf "$logs"
  exit "$status"
}
trap finish EXIT

# stop REASON: the preflight failed; say why and end (the table is printed on the way out).
stop() {
  row "preflight" "FAILED after $SECONDS s: $1"
  exit 2
}

# step LOG CAP COMMAND…: runs COMMAND, its output into $logs/LOG, for at most CAP seconds and never
# past the deadline. Sets rc (its exit status), outcome ("exit N", "STOPPED at its N s limit" or
# "not run: the deadline") and step_log.
step() {
  local log=$1 cap=$2 limit
  shift 2
  step_log=$logs/$log
  limit=$((deadline - reserve - SECONDS))
  ((cap < limit)) && limit=$cap
  if ((limit < 5)); then
    rc=-1 outcome="not run: the deadline"
    : >"$logs/$log"
    return
  fi
  echo "[$SECONDS s] $log: at most $limit s"
  timeout -k 5 "$limit" "$@" >"$logs/$log" 2>&1
  rc=$?
  case $rc in
    124 | 137) outcome="STOPPED at its $limit s limit" ;;
    *) outcome="exit $rc" ;;
  esac
}

# result DETAILS: the last step's result for its row: how it ended (after a failure, with the last
# line it wrote), then DETAILS if it ran.
result() {
  local last=""
  ((rc > 0)) && last=" ($(grep -v '^\s*$' "$step_log" | tail -1 | cut -c1-80))"
  if ((rc < 0)); then echo "$outcome"; else echo "$mark$outcome$last, $1"; fi
}

# ---- Preflight: the bundle, the libraries its programs load, nst --help; all within seconds.
if [ -n "${NST_DEVICE_BUNDLE:-}" ]; then
  bundle=$NST_DEVICE_BUNDLE
else
  bundle=device-bundle
  [ -f device-bundle.tar.xz ] ||
    stop "no device-bundle.tar.xz: pack it with tests/gpu/prepare_device_bundle.sh and carry it"
  tar -xJf device-bundle.tar.xz || stop "device-bundle.tar.xz did not unpack"
fi
bundle=$(cd "$bundle" && pwd) || stop "no folder $bundle"
nst=$bundle/nst
tests=$bundle/tests/nst_cuda_tests
[ -x "$nst" ] || stop "no program $nst"
required=("$nst" "$tests")
if [ ! -x "$tests" ]; then
  [ "$dry_run" = 1 ] || stop "no program $tests (a bundle built without CUDA?)"
  tests=""  # a dry run of a build without CUDA
  required=("$nst")
fi
candidates=()
for program in "$bundle"/bench/{*_cuda_bench,iteration_bench,lbfgs_bench}; do
  [ -x "$program" ] && candidates+=("$program")
done

# The programs load the bundle's libraries, then CUDA's; what they still miss (cuBLAS, cuDNN) comes
# from the folders that ldconfig knows or from the nvidia-* wheels beside PyTorch. Python itself
# never sees these folders: only our programs are started with them.
nst_libs=$bundle/lib
[ -d /usr/local/cuda/lib64 ] && nst_libs+=:/usr/local/cuda/lib64
# unloadable PROGRAM…: what they cannot load, one a line: a library, or a symbol version
# ("GLIBC_2.38 of libc.so.6").
unloadable() {
  local program
  for program in "$@"; do
    LD_LIBRARY_PATH="$nst_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "$program" 2>&1 |
      sed -n -e 's/^\s*\(\S*\) => not found.*/\1/p' \
        -e "s|.*/\([^/:]*\): version \`\([^']*\)' not found.*|\2 of \1|p"
  done | sort -u
}
mapfile -t unresolved < <(unloadable "${required[@]}" "${candidates[@]}")
if ((${#unresolved[@]})); then
  # One Python for all of them (a glob inside the wheels' folders, not a search of the disk).
  in_wheels=$(timeout 5 python3 - "${unresolved[@]}" <<'EOF' 2>/dev/null
import glob, os, sys
import nvidia
for name in sys.argv[1:]:
    for root in nvidia.__path__:
        hits = glob.glob(os.path.join(root, "**", name), recursive=True)
        if hits:
            print(name, os.path.dirname(hits[0]))
            break
EOF
  )
  for lib in "${unresolved[@]}"; do
    dir=$(ldconfig -p 2>/dev/null | awk -v lib="$lib" '$1 == lib { print $NF; exit }' | xargs -r dirname)
    [ -n "$dir" ] || dir=$(awk -v lib="$lib" '$1 == lib { print $2 }' <<<"$in_wheels")
    [ -n "$dir" ] && nst_libs+=:$dir
  done
fi
bundle_env=(env "LD_LIBRARY_PATH=$nst_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
missing=$(unloadable "${required[@]}")
[ -z "$missing" ] || stop "nst or the CUDA tests cannot load: $missing"
benches=()  # a benchmark that cannot start is left out, not fatal
for program in "${candidates[@]}"; do
  missing=$(unloadable "$program")
  if [ -z "$missing" ]; then
    benches+=("$program")
  else
    row "$(basename "$program")" "not run: cannot load $missing"
  fi
done
timeout 5 "${bundle_env[@]}" "$nst" --help >"$logs/nst_help.log" 2>&1 ||
  stop "nst --help failed: $(head -c 150 "$logs/nst_help.log")"
for program in "${required[@]}" "${benches[@]}"; do
  echo "$program:"
  "${bundle_env[@]}" ldd "$program"
done >"$logs/ldd.log" 2>&1
row "preflight" "ok in $SECONDS s; libraries from $nst_libs"

if [ "$dry_run" = 1 ]; then
  card="dry run: no GPU used"
else
  card=$(timeout 5 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null |
    head -1)
fi
row "card" "${card:-unknown (nvidia-smi answered nothing)}"
row "commit" "$(cat "$bundle/commit.txt" 2>/dev/null || git rev-parse --short HEAD 2>/dev/null || echo unknown)"
shared=$bundle/shared
[ -d "$shared" ] || shared=${NST_SHARED_DIR:-$PWD/../shared}
export NST_SHARED_DIR=$shared
export NST_REQUIRE_GPU=1

# What the dry run does instead of the GPU work: start the same programs, cheaply, on the CPU.
mark=""  # before each result a stand-in made
if [ "$dry_run" = 1 ]; then
  mark="dry run: "
  export OMP_NUM_THREADS=1  # on a busy CI machine OpenMP's spinning threads cost tenfold
  test_args=(--gtest_list_tests)
  bench_args=(--benchmark_list_tests=true)
  demo_device=cpu demo_size=32 demo_iterations=2
else
  test_args=()
  bench_args=()
  demo_device=cuda demo_size=512 demo_iterations=50
fi

# ---- 1. The CUDA tests.
if [ -z "$tests" ]; then
  row "CUDA tests" "dry run: none built (a build without CUDA)"
else
  step cuda_tests.log 150 "${bundle_env[@]}" "$tests" "${test_args[@]}"
  if [ "$dry_run" = 1 ]; then
    row "CUDA tests" "$(result "$(grep -c '^  ' "$logs/cuda_tests.log") tests listed, none run")"
  else
    # gtest_count WORD: the number on gtest's summary line "[  WORD  ] N tests" (0 without one).
    gtest_count() {
      sed -n "s/^\[ *$1 *\] \([0-9]*\) tests\?[,.].*/\1/p" "$logs/cuda_tests.log" | head -1 |
        grep . || echo 0
    }
    if grep -q '^\[  PASSED  \]' "$logs/cuda_tests.log"; then
      failed=$(grep '^\[  FAILED  \] [A-Za-z]' "$logs/cuda_tests.log" | awk '{print $4}' | sort -u |
        paste -sd ' ')
      summary="$(gtest_count PASSED) CUDA tests passed, $(gtest_count FAILED) failed${failed:+ ($failed)}"
      summary+=", $(gtest_count SKIPPED) skipped"
    else  # stopped or crashed: name the test it was in
      summary="no gtest summary; the last test started: "
      summary+=$(grep '^\[ RUN' "$logs/cuda_tests.log" | tail -1 | awk '{print $NF}')
    fi
    row "CUDA tests" "$(result "$summary")"
  fi
  tf32_error=$(grep -o 'TF32 forward error against FP32.*' "$logs/cuda_tests.log" | head -1)
  row "TF32 conv error (CUDA test)" "${tf32_error:-not measured (see cuda_tests.log)}"
fi

# ---- 2. The demo pair, into $out/demo_NAME.png.
# demo_on DEVICE FOLDER NAME [OPTION…]: nst on the demo pair on DEVICE, its image FOLDER/demo_NAME.png,
# its log demo_NAME.log. demo NAME [OPTION…]: on $demo_device, its image in $out.
demo_on() {
  local device=$1 folder=$2 name=$3
  shift 3
  step "demo_$name.log" 90 "${bundle_env[@]}" "$nst" --content "$shared/images/tubingen.jpg" \
    --style "$shared/images/starry_night.jpg" --weights "$shared/weights/vgg19_partial_notop.h5" \
    --output "$folder/demo_$name.png" --image-size "$demo_size" --iterations "$demo_iterations" \
    --print-every 10 --device "$device" "$@"
}
demo() { demo_on "$demo_device" "$out" "$@"; }
per_iteration() {
  grep -o '[0-9.]* s/iteration' "$logs/demo_$1.log" | head -1 | grep . || echo '? s/iteration'
}
final_loss() {
  grep -o "iteration $demo_iterations/$demo_iterations  loss [0-9.e+-]*" "$logs/demo_$1.log" |
    awk '{print $4}' | grep . || echo '?'
}
demo fp32 --conv-math fp32
peak=$(grep -o 'peak device memory [0-9.]* MiB' "$logs/demo_fp32.log" | head -1)
row "demo $demo_size px, $demo_iterations L-BFGS iterations, --conv-math fp32" \
  "$(result "$(per_iteration fp32), ${peak:-peak memory ?}, final loss $(final_loss fp32)")"

# ---- 3. The kernel tests under compute-sanitizer memcheck.
if [ "$dry_run" = 1 ]; then
  row "compute-sanitizer memcheck" "dry run: not run"
elif ! command -v compute-sanitizer >/dev/null; then
  row "compute-sanitizer memcheck" "not run: no compute-sanitizer"
else
  step memcheck.log 90 "${bundle_env[@]}" compute-sanitizer --tool memcheck --error-exitcode 3 "$tests" \
    --gtest_filter='-*Vgg*:*EndToEnd*:*Large*' --gtest_brief=1
  case $rc in
    0) memcheck="clean" ;;
    3) memcheck="ERRORS (see memcheck.log)" ;;
    *) memcheck=$(result "see memcheck.log") ;;
  esac
  row "compute-sanitizer memcheck" "$memcheck"
fi

# ---- 4. PyTorch (the machine's own Python, without the bundle's libraries).
if [ "$dry_run" = 1 ]; then
  step pytorch.log 30 python3 -c 'import os, sys
print("python", sys.version.split()[0], "with LD_LIBRARY_PATH=" + os.environ.get("LD_LIBRARY_PATH", ""))'
  if grep -qF "$bundle/lib" "$logs/pytorch.log"; then
    problems+=("python3 ran with the bundle's libraries")
  fi
  row "PyTorch + cuDNN, same iteration" "$(result "$(head -1 "$logs/pytorch.log")")"
else
  step pytorch.log 90 env PYTHONUNBUFFERED=1 python3 bench/pytorch_reference.py \
    --weights "$shared/weights/vgg19_partial_notop.h5" --content "$shared/images/tubingen.jpg" \
    --style "$shared/images/starry_night.jpg" --size 512 --iterations 20 --device cuda
  pytorch_line=$(grep 's/iteration' "$logs/pytorch.log" | tail -1)
  row "PyTorch + cuDNN, same iteration" "${pytorch_line:-$(result "no timing (see pytorch.log)")}"
fi

# ---- 5. The demo in the tensor-core maths, and replayed as a CUDA graph (in FP32).
for math in tf32 3xtf32; do
  demo "$math" --conv-math "$math"
  row "the same with --conv-math $math" \
    "$(result "$(per_iteration "$math"), final loss $(final_loss "$math") against FP32's $(final_loss fp32)")"
done
demo graph --cuda-graph --conv-math fp32
graph_note=$(grep -E '^CUDA graph' "$logs/demo_graph.log")
row "the same with --cuda-graph" \
  "$(result "$(per_iteration graph), final loss $(final_loss graph) (must equal FP32's); $graph_note")"

# ---- 5b. How close each math's image is to FP32's, for the default --conv-math (bench/RESULTS.md,
# "The default --conv-math"): the PSNR (nst compare) of each demo image against the FP32 one, and
# the yardstick, another FP32 computation summed in other orders: the CPU backend's demo (its image
# stays in the logs; the tool brings back 8 files).
demo_on cpu "$logs" cpu --conv-math fp32
cpu_demo=$(result "$(per_iteration cpu)")
# psnr_to_fp32 IMAGE: its PSNR in dB against the FP32 demo image ("inf" when identical, "?" when unknown).
psnr_to_fp32() {
  timeout 30 "${bundle_env[@]}" "$nst" compare "$1" "$out/demo_fp32.png" 2>/dev/null |
    sed -n 's/^  PSNR \([^ ]*\) dB.*/\1/p' | grep . || echo '?'
}
declare -A psnr
psnr[cpu]=$(psnr_to_fp32 "$logs/demo_cpu.png")
psnr[tf32]=$(psnr_to_fp32 "$out/demo_tf32.png")
psnr[tf32x3]=$(psnr_to_fp32 "$out/demo_3xtf32.png")

# math_rows NAME LOG: a row per --conv-math (benchmark suffixes _fp32, _tf32, _tf32x3) of a benchmark
# log: for each benchmark function, the geometric mean and the worst of its first "ours/…" time
# ratio over the layers (above 1: ours is slower), the MISMATCH labels; for iteration_bench, the
# time of each 512-px row. In the dry run (names listed, nothing run): how many rows each math has.
math_rows() {
  local name=$1 log=$2 math
  for math in fp32 tf32 tf32x3; do
    row "$name $math" "$mark$(awk -v math="$math" -v iteration="$([ "$name" = iteration_bench ] && echo 1)" '
      function value(text, number, suffix) {  # "1.23", "850m", "1.2k": benchmarks human-readable numbers
        number = text + 0
        suffix = substr(text, length(text))
        if (suffix == "k") number *= 1e3
        if (suffix == "m") number /= 1e3
        if (suffix == "u") number /= 1e6
        return number
      }
      $1 ~ "^BM_" {
        split($1, part, "/")
        if (part[2] !~ "_" math "$") next
        listed++
        if (iteration) {
          if (part[3] == "512" && NF >= 3) times = times (times == "" ? "" : "; ") part[2] " " $2 " " $3
          next
        }
        if (match($0, /ours\/[A-Za-z]+=[0-9.]+[kmu]?/) == 0) next
        split(substr($0, RSTART, RLENGTH), counter, "=")
        ratio = value(counter[2])
        f = part[1]
        sub(/^BM_/, "", f)
        if (!(f in count)) { order[++functions] = f; ratio_name[f] = counter[1] }
        count[f]++
        logsum[f] += log(ratio)
        if (ratio > worst[f]) { worst[f] = ratio; where[f] = part[2] }
        if ($0 ~ /MISMATCH/) mismatches++
        measured++
      }
      END {
        if (iteration) { print (times == "" ? listed + 0 " rows listed, none timed" : times); exit }
        if (!measured) { print listed + 0 " rows listed, none measured"; exit }
        for (i = 1; i <= functions; i++) {
          f = order[i]
          sub("_" math "$", "", where[f])
          printf "%s%s %s %.2f, worst %.2f (%s)", (i > 1 ? "; " : ""), f, ratio_name[f], exp(logsum[f] / count[f]), worst[f], where[f]
        }
        printf "; MISMATCH: %d\n", mismatches
      }' "$log")"
  done
}

# ---- 6. The benchmarks; a few result lines of each here, all of them in the logs.
for program in "${benches[@]}"; do
  name=$(basename "$program")
  case $name in
    iteration_bench) cap=120 args=(--benchmark_filter=cuda --benchmark_min_time=1) ;;
    lbfgs_bench) cap=60 args=(--benchmark_filter=cuda) ;;
    *) cap=60 args=(--benchmark_min_time=0.2) ;;
  esac
  step "$name.log" "$cap" "${bundle_env[@]}" "$program" "${args[@]}" "${bench_args[@]}"
  grep '^BM_' "$logs/$name.log" | head -8 | cut -c1-110
  counts="benchmarks: $(grep -c '^BM_' "$logs/$name.log")"
  counts+=", with errors: $(grep -c 'ERROR OCCURRED' "$logs/$name.log")"
  row "$name" "$(result "$counts (see $name.log)")"
  case $name in
    conv2d_cuda_bench | gram_cuda_bench | iteration_bench) ((rc >= 0)) && math_rows "$name" "$logs/$name.log" ;;
  esac
done

# ---- 7. The default --conv-math by its criterion (bench/RESULTS.md, "The default --conv-math"): a
# math is indistinguishable from FP32 when its demo image is at least min(40 dB, the CPU FP32
# image's PSNR) from the GPU FP32 image; the default is the fastest of those (FP32 included) by
# iteration_bench's 512-px eager iteration, else by the demos' s/iteration.
declare -A seconds
for math in fp32 tf32 tf32x3; do
  seconds[$math]=$(awk -v name="BM_iteration/cuda_$math/512/" 'index($1, name) == 1 && $3 == "ms" {
      print $2 / 1000; exit }' "$logs/iteration_bench.log" 2>/dev/null)
done
timing="iteration_bench 512 px"
if [ -z "${seconds[fp32]}" ] || [ -z "${seconds[tf32]}" ] || [ -z "${seconds[tf32x3]}" ]; then
  timing="the demos' s/iteration (no iteration_bench times)"
  seconds[fp32]=$(per_iteration fp32 | cut -d' ' -f1)
  seconds[tf32]=$(per_iteration tf32 | cut -d' ' -f1)
  seconds[tf32x3]=$(per_iteration 3xtf32 | cut -d' ' -f1)
fi
row "default --conv-math by the criterion" "$mark$(awk -v cpu="${psnr[cpu]}" -v tf32="${psnr[tf32]}" \
  -v x3="${psnr[tf32x3]}" -v s_fp32="${seconds[fp32]}" -v s_tf32="${seconds[tf32]}" -v s_x3="${seconds[tf32x3]}" \
  -v timing="$timing" -v cpu_demo="$cpu_demo" 'BEGIN {
    # Without the CPU image the bar is 40 dB, which min(40, ·) never exceeds: as strict or stricter.
    if (cpu !~ /^[0-9.]+$|^inf$/) cpu = "? (CPU demo: " cpu_demo ")"
    bar = (cpu !~ /^[0-9.]+$/ || cpu + 0 > 40) ? 40 : cpu + 0
    n = split("fp32 tf32 3xtf32", name, " ")
    p[2] = tf32; p[3] = x3; s[1] = s_fp32; s[2] = s_tf32; s[3] = s_x3
    best = 1  # FP32 qualifies by definition
    for (i = 2; i <= n; i++) {
      ok[i] = p[i] ~ /^inf$/ || (p[i] ~ /^[0-9.]+$/ && p[i] + 0 >= bar)
      if (ok[i] && s[i] ~ /^[0-9.]+$/ && s[best] ~ /^[0-9.]+$/ && s[i] + 0 < s[best] + 0) best = i
    }
    printf "%s; bar %.1f dB (CPU vs GPU FP32 %s); tf32 %s %s, 3xtf32 %s %s; %s: fp32 %s, tf32 %s, 3xtf32 %s s\n",
      name[best], bar, cpu, p[2], ok[2] ? "yes" : "no", p[3], ok[3] ? "yes" : "no", timing, s[1], s[2], s[3]
  }')"
exit 0
