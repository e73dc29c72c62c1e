#!/usr/bin/env bash
# Runs one fuzz target for a time budget (tests/run_tests.sh, step fuzz):
#   tests/fuzz/run_target.sh TARGET SECONDS LOG_DIR
# TARGET is png, jpeg, hdf5 or nstate; build-fuzz must hold the targets and the seeds. libFuzzer stops
# at its first finding. A finding in our code (tests/fuzz/finding_owner.sh) ends the run: kept in
# build-fuzz/findings/, exit 1. A finding inside libhdf5, libpng or libjpeg — their bugs, which no
# change of ours can fix; the command line contains them (weights/isolated_load.h) — is kept in
# build-fuzz/findings/library/ and fuzzing resumes for the time left, from the grown corpus. The last
# line printed is the step's summary of the target.
set -euo pipefail
target=$1 seconds=$2 logs=$3
here=$(dirname "$0")
mkdir -p "build-fuzz/corpus/$target" build-fuzz/findings/library
asan_options=${ASAN_OPTIONS:-}
# libhdf5 mallocs sizes read from the file and checks for NULL: ASan returns NULL, as a machine with
# 5 GiB would, rather than stop (tests/fuzz/README.md). 5 GiB covers the largest image the reader
# accepts, as float RGB.
[ "$target" = hdf5 ] && asan_options=allocator_may_return_null=1:max_allocation_size_mb=5120${asan_options:+:$asan_options}
end=$(($(date +%s) + seconds))
runs=0 attempt=0 library=0 library_kinds=""
while (($(date +%s) < end)) && ((attempt < 20)); do
  attempt=$((attempt + 1))
  log="$logs/fuzz-$target-$attempt.log"
  rc=0
  # The corpus grows across local runs (build-fuzz/corpus); the seeds are read, never written.
  ASAN_OPTIONS=$asan_options "build-fuzz/tests/fuzz/${target}_fuzz" -max_total_time=$((end - $(date +%s))) \
    -rss_limit_mb=5120 -malloc_limit_mb=5120 -timeout=60 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/findings/$target-" "build-fuzz/corpus/$target" "build-fuzz/seeds/$target" \
    >"$log" 2>&1 || rc=$?
  runs=$((runs + $(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n 1 | grep . || echo 0)))
  ((rc != 0)) || break
  artifact=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" | tail -n 1)
  owner=$(bash "$here/finding_owner.sh" "$log")
  if [[ "$owner" == library* && -n "$artifact" ]]; then
    library=$((library + 1))
    mv "$artifact" build-fuzz/findings/library/
    kind=$(sed -nE 's/^SUMMARY: [A-Za-z]+: ([a-z-]+).*/\1/p' "$log" | head -n 1)
    library_kinds+="${library_kinds:+, }${kind:-?} in ${owner#library }"
    echo "run_target: a finding inside ${owner#library } (${kind:-?}): kept in build-fuzz/findings/library/$(basename "$artifact"); fuzzing on"
    continue
  fi
  tail -n 60 "$log"
  echo "fuzz ${target}_fuzz: FINDING in our code after $runs runs (exit $rc), kept in build-fuzz/findings/;" \
    "reproduce: build-fuzz/tests/fuzz/${target}_fuzz FILE; tests/fuzz/README.md says how to keep it as a test"
  exit 1
done
tail -n 20 "$log"
line="fuzz ${target}_fuzz: $runs runs in $seconds s, no finding in our code"
((library == 0)) || line+="; $library inside libraries ($library_kinds), kept in build-fuzz/findings/library/"
echo "$line"
