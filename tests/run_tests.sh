#!/usr/bin/env bash
# The test command (README, .ci/run): builds and runs every test this machine can run.
#   format  every C++ and CUDA file as .clang-format lays it out (clang-format 14; a diff fails the
#           step: fix with tests/format.sh --fix);
#   build   setup.sh builds ./build (with the CUDA backend when nvcc is found) and ctest runs its
#           suite: the CPU tests, the whole-network and command-line tests, the device script's dry
#           run; the CUDA tests there skip without a GPU, saying why;
#   asan    ./build-asan: the CPU build with AddressSanitizer and UndefinedBehaviorSanitizer
#           (NST_SANITIZE=ON) and ctest -L cpu and -L slow on it, OpenMP and OpenBLAS threads included;
#   fuzz    ./build-fuzz: the libFuzzer targets of tests/fuzz (clang, NST_FUZZ=ON) on the seed corpora
#           nst_fuzz_seeds writes, each for NST_FUZZ_SECONDS (60) seconds (tests/fuzz/run_target.sh); a
#           finding in our code fails the step and is kept in build-fuzz/findings (tests/fuzz/README.md
#           says how it becomes a regression test); one inside libhdf5/libpng/libjpeg is counted;
#   emu     the CUDA backend on the emulator (tests/emu/README.md): ./build-emu, NST_CUDA=EMU, with
#           AddressSanitizer and UndefinedBehaviorSanitizer; ctest -L emu runs every CUDA test on it;
#   faults  tests/emu/plant_faults.py: the planted-fault table that shows those tests catch faults (its
#           own emulated build, at -O1, of only the test files the faults name).
# NST_TEST_STEPS="format build asan fuzz emu faults" (the default) chooses the steps. The summary at the end
# gives each step's counts, and for each ctest run how many tests skipped and why.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${NST_TEST_STEPS:-format build asan fuzz emu faults}
fuzz_seconds=${NST_FUZZ_SECONDS:-60}
jobs=$(nproc)
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
summaries=()

# Sanitizer settings for the asan and fuzz steps: leak checking stays on (ASan's default), with
# suppressions for leaks inside libraries we call (tests/fuzz/lsan_suppressions.txt says where each
# was found); UBSan prints the stack of what it reports (-fno-sanitize-recover stops there).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan_suppressions.txt}

# install_packages PKG...: the Debian packages a step needs, as setup.sh installs its own.
install_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "run_tests: installing ${missing[*]}"
  local sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# run_ctest DIR [ARGS...]: runs ctest, keeps its summary line and its skips (count and reason).
run_ctest() {
  local dir=$1
  shift
  local rc=0 junit="$logs/$(basename "$dir")-$(date +%s%N).xml"
  ctest --test-dir "$dir" --output-on-failure --timeout 900 --output-junit "$junit" "$@" | tee "$logs/ctest.log" ||
    rc=$?
  summaries+=("$dir $*: $(grep -E 'tests passed, [0-9]+ tests failed out of' "$logs/ctest.log" | tail -1)")
  summaries+=("$(python3 tests/ctest_skips.py "$junit" "$dir $*")")
  return $rc
}

# step_seconds NAME START: records how long a step took.
step_times=()
step_seconds() { step_times+=("$1 $(($(date +%s) - $2)) s"); }

status=0
if [[ " $steps " == *" format "* ]]; then
  install_packages clang-format-14
  if bash tests/format.sh; then
    summaries+=("format: every file as .clang-format lays it out")
  else
    summaries+=("format: FAILED, files differ from .clang-format's layout (tests/format.sh --fix)")
    status=1
  fi
fi
if [[ " $steps " == *" build "* ]]; then
  start=$(date +%s)
  bash setup.sh
  run_ctest build || status=1
  step_seconds build "$start"
fi
if [[ " $steps " == *" asan "* ]]; then
  start=$(date +%s)
  # Warnings are the build step's business: under -fsanitize=address, GCC 12 reports false
  # -Wmaybe-uninitialized warnings inside libstdc++'s <regex> (std::function members of its NFA
  # states), which -Werror would turn into a failed build.
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Release -DNST_CUDA=OFF -DNST_SANITIZE=ON -DNST_WERROR=OFF
  cmake --build build-asan --parallel "$jobs"
  # Left out here (they run in build): the device script's dry run, which needs the benchmarks this
  # build leaves out, and the out-of-memory tests, which set an address-space limit (ulimit -v,
  # RLIMIT_AS) that AddressSanitizer cannot start under: it reserves terabytes for its shadow memory.
  run_ctest build-asan -L 'cpu|slow' -LE gpu_script -E OutOfMemory || status=1
  step_seconds asan "$start"
fi
if [[ " $steps " == *" fuzz "* ]]; then
  start=$(date +%s)
  install_packages clang libclang-rt-14-dev libomp-14-dev
  # Warnings are gcc's business (the build step); clang adds its own, e.g. -Wpass-failed on loops
  # it did not vectorise.
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DNST_CUDA=OFF -DNST_FUZZ=ON -DNST_WERROR=OFF \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
  cmake --build build-fuzz --parallel "$jobs" --target png_fuzz jpeg_fuzz hdf5_fuzz nstate_fuzz nst_fuzz_seeds
  rm -rf build-fuzz/seeds
  build-fuzz/tests/fuzz/nst_fuzz_seeds build-fuzz/seeds
  mkdir -p build-fuzz/findings
  findings=0
  fuzz_targets=(png jpeg hdf5 nstate)
  for target in "${fuzz_targets[@]}"; do
    rc=0
    bash tests/fuzz/run_target.sh "$target" "$fuzz_seconds" "$logs" >"$logs/fuzz-$target.out" 2>&1 || rc=$?
    cat "$logs/fuzz-$target.out"
    summaries+=("$(tail -n 1 "$logs/fuzz-$target.out")")
    ((rc == 0)) || findings=$((findings + 1))
  done
  targets=${#fuzz_targets[@]}
  summaries+=("fuzz: $(((targets - findings) * 100 / targets))% tests passed, $findings tests failed out of $targets targets")
  ((findings == 0)) || status=1
  step_seconds fuzz "$start"
fi
if [[ " $steps " == *" emu "* ]]; then
  start=$(date +%s)
  BUILD_DIR=build-emu NST_CUDA=EMU bash setup.sh
  run_ctest build-emu -L emu -j "$jobs" || status=1  # one emulated test per core
  step_seconds emu "$start"
fi
if [[ " $steps " == *" faults "* ]]; then
  start=$(date +%s)
  python3 tests/emu/plant_faults.py --build-dir build-emu-faults || status=1
  step_seconds faults "$start"
fi

echo
printf '%s\n' "${summaries[@]}"
echo "time per step: $(IFS=,; echo "${step_times[*]}")"
passed=0
failed=0
skipped=0
for line in "${summaries[@]}"; do
  total=$(sed -nE 's/.*out of ([0-9]+).*/\1/p' <<<"$line" | head -1)
  bad=$(sed -nE 's/.* ([0-9]+) tests failed out of.*/\1/p' <<<"$line" | head -1)
  skips=$(sed -nE 's/^  .*: ([0-9]+) tests skipped.*/\1/p' <<<"$line" | head -1)
  passed=$((passed + ${total:-0} - ${bad:-0} - ${skips:-0}))  # ctest counts a skipped test as passed
  failed=$((failed + ${bad:-0}))
  skipped=$((skipped + ${skips:-0}))
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
