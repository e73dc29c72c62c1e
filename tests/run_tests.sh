#!/usr/bin/env bash
# The test command (README, .ci/run): builds and runs every test this machine can run.
#   1. setup.sh builds ./build (with the CUDA backend when nvcc is found) and ctest runs its suite:
#      the CPU tests, the whole-network and command-line tests, the device script's dry run; the
#      CUDA tests there skip without a GPU, saying why;
#   2. the CUDA backend on the emulator (tests/emu/README.md): ./build-emu, NST_CUDA=EMU, with
#      AddressSanitizer and UndefinedBehaviorSanitizer; ctest -L emu runs every CUDA test on it;
#   3. tests/emu/plant_faults.py: the planted-fault table that shows those tests catch faults.
# NST_TEST_STEPS="build emu faults" (the default) chooses the steps.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${NST_TEST_STEPS:-build emu faults}
jobs=$(nproc)
logs=$(mktemp -d)
summaries=()

# run_ctest DIR [ARGS...]: runs ctest, keeps its summary line.
run_ctest() {
  local dir=$1
  shift
  local rc=0
  ctest --test-dir "$dir" --output-on-failure --timeout 900 "$@" | tee "$logs/ctest.log" || rc=$?
  summaries+=("$dir: $(grep -E 'tests passed, [0-9]+ tests failed out of' "$logs/ctest.log" | tail -1)")
  return $rc
}

status=0
if [[ " $steps " == *" build "* ]]; then
  bash setup.sh
  run_ctest build || status=1
fi
if [[ " $steps " == *" emu "* ]]; then
  BUILD_DIR=build-emu NST_CUDA=EMU bash setup.sh
  run_ctest build-emu -L emu -j "$jobs" || status=1  # one emulated test per core
fi
if [[ " $steps " == *" faults "* ]]; then
  python3 tests/emu/plant_faults.py --build-dir build-emu-faults || status=1
fi

echo
printf '%s\n' "${summaries[@]}"
passed=0
failed=0
for line in "${summaries[@]}"; do
  total=$(sed -nE 's/.*out of ([0-9]+).*/\1/p' <<<"$line")
  bad=$(sed -nE 's/.* ([0-9]+) tests failed out of.*/\1/p' <<<"$line")
  passed=$((passed + ${total:-0} - ${bad:-0}))
  failed=$((failed + ${bad:-0}))
done
echo "tests: $passed passed, $failed failed"
exit $status
