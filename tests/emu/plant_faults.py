#!/usr/bin/env python3
"""Proof that the emulated CUDA tests catch what a GPU would (tests/emu/README.md).

Plants known faults, one at a time, in a copy of kernels/cuda, builds the emulated tests against
that copy (NST_EMU_KERNEL_DIR) and runs the tests that cover the faulty code: each fault must make
them fail, and the unmodified copy must pass them all. Prints a table; exits 1 if a fault went
uncaught or the clean kernels failed.

The program built is nst_fault_tests (tests/CMakeLists.txt): only the tests/cuda files that hold the
tests the faults name, so that each fault recompiles the faulty kernels and relinks a small program.
With ccache (its cache in the build folder), putting a file back as it was costs a cache hit, not a
second compilation.

    tests/emu/plant_faults.py [--build-dir build-emu-faults] [--only NAME]
"""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# name, file, the text to replace (exactly once), its replacement, the tests that must fail.
FAULTS = [
    ("missing __syncthreads in the GEMM main loop (a stage refilled while others read it)",
     "gemm_mainloop.cuh",
     "    __syncthreads();                    // everyone's have; everyone is done with slice s − 1\n",
     "",
     "AwkwardShapes/CudaConv2dTest.ForwardMatchesCpu/2x13x17x31_to_70_k3x3_s1_p1_fp32"),
    ("missing cp.async wait (a stage read one slice before it lands)",
     "gemm_mainloop.cuh",
     "ptx::cp_async_wait<kStages - 2>();",
     "ptx::cp_async_wait<kStages - 1>();",
     "AwkwardShapes/CudaConv2dTest.ForwardMatchesCpu/2x13x17x31_to_70_k3x3_s1_p1_fp32"),
    ("wrong fragment row in the tensor-core math (A rows g and g + 8 swapped)",
     "gemm_math.cuh",
     "const float a[4] = {as[t][row], as[t][row + 8], as[t + 4][row], as[t + 4][row + 8]};",
     "const float a[4] = {as[t][row + 8], as[t][row], as[t + 4][row + 8], as[t + 4][row]};",
     "AwkwardShapes/CudaConv2dTest.ForwardMatchesCpu/2x13x17x31_to_70_k3x3_s1_p1_tf32"),
    ("3xTF32 without its low parts (plain TF32 error where FP32's is promised)",
     "gemm_math.cuh",
     "lo = kSplit ? ptx::to_tf32(x - hi) : 0.0f;",
     "lo = 0.0f;",
     "AwkwardShapes/CudaConv2dTest.ForwardMatchesCpu/2x13x17x31_to_70_k3x3_s1_p1_tf32x3"),
    ("incremental im2col cursor loses the channel carry",
     "conv2d_operands.cuh",
     "      tap -= win.taps();\n      ++channel;\n",
     "      tap -= win.taps();\n",
     "AwkwardShapes/CudaConv2dTest.ForwardMatchesCpu/2x13x17x31_to_70_k3x3_s1_p1_fp32"),
    ("edge guard off by one (conv epilogue writes row C_out)",
     "conv2d_forward.cu",
     "if (o >= s.c_out || col >= columns) return;",
     "if (o > s.c_out || col >= columns) return;",
     "AwkwardShapes/CudaConv2dTest.ForwardMatchesCpu/2x13x17x31_to_70_k3x3_s1_p1_fp32"),
    ("split-K reduction drops the last part of K",
     "conv2d_forward.cu",
     "for (int part = 0; part < parts; ++part) sum += partial[part * elements + i];",
     "for (int part = 0; part + 1 < parts; ++part) sum += partial[part * elements + i];",
     "AwkwardShapes/CudaConv2dTest.ForwardMatchesCpu/2x64x33x33_to_64_k3x3_s1_p1_fp32"),
    ("split-K part gathers im2col from row 0 of K, not from its own first row",
     "conv2d_forward.cu",
     "gemm::ImageColumns<Win> image(s, win, x, n0, k0);",
     "gemm::ImageColumns<Win> image(s, win, x, n0, 0);",
     "AwkwardShapes/CudaConv2dTest.ForwardMatchesCpu/2x64x33x33_to_64_k3x3_s1_p1_fp32"),
    ("split-K's last part runs a whole part's K (past the end of K when the parts are uneven)",
     "conv2d_forward.cu",
     "const int k_part = k_total - k0 < part_slices * gemm::kTileK ? k_total - k0 : part_slices * gemm::kTileK;",
     "const int k_part = part_slices * gemm::kTileK;",
     "CudaConv2dSplitK.MatchesCpuInEveryMath"),
    ("split-K part reads Wᵀ from column 0 of K in the backward-data",
     "conv2d_backward_data.cu",
     "gemm::RowsAlongK weights{w_t + k0, k_total, s.c_in, m0, k_part};",
     "gemm::RowsAlongK weights{w_t, k_total, s.c_in, m0, k_part};",
     "AwkwardShapes/CudaConv2dTest.BackwardDataMatchesCpu/2x64x33x33_to_64_k3x3_s1_p1_fp32"),
    ("small-M backward-data reads the filters before they are staged (missing __syncthreads)",
     "conv2d_backward_data_small_m.cu",
     "    __syncthreads();  // the chunk is staged\n",
     "",
     "CudaConv2dSmallM.BackwardDataMatchesCpuInEveryMath"),
    ("small-M backward-data's channel guard off by one (writes channel C_in)",
     "conv2d_backward_data_small_m.cu",
     "    if (c >= s.c_in) break;",
     "    if (c > s.c_in) break;",
     "CudaConv2dSmallM.BackwardDataMatchesCpuInEveryMath"),
    ("Wᵀ re-laid with each filter rotated 180° (tap (u, v) read from (KH − 1 − u, KW − 1 − v))",
     "conv2d_transposed_weights.cu",
     "wt[i] = map.w[map.offset(c, k)];",
     "wt[i] = map.w[map.tap_offset(c, k / map.win.taps(), map.win.taps() - 1 - k % map.win.taps())];",
     "CudaConv2dPreparedWeights.TransposedWeightsAreWLaidOutOnce"),
    ("Gram mirror guarded on the wrong index (writes past C)",
     "gram.cu",
     "  if (i > j || j >= c) return;",
     "  if (i > j || i >= c) return;",
     "Shapes/CudaGramTest.ForwardMatchesCpu/1x13x9x11_fp32"),
    ("box projection clamps to the bounds of channel (i mod C), not of the plane i / (H·W) lies in",
     "box_projection.cu",
     "const std::int64_t channel = box.channel_of(i);\n    const float value = args.x[i];",
     "const std::int64_t channel = i % box.channels;\n    const float value = args.x[i];",
     "Shapes/CudaBoxProjectionTest.MatchesCpuBitForBit/1"),
    ("box projection forgets to take the cut from L-BFGS's step",
     "box_projection.cu",
     "    if (args.step) args.step[i] -= value - projected;\n",
     "",
     "Shapes/CudaBoxProjectionTest.MatchesCpuBitForBit/1"),
    ("active set holds values at the upper bound that the gradient pulls inward",
     "box_projection.cu",
     "(x >= box.upper[channel] && g < 0.0f)",
     "(x >= box.upper[channel] && g > 0.0f)",
     "Shapes/CudaBoxProjectionTest.ZeroingWhereBoundsBindMatchesCpuBitForBit/1"),
    ("grid-stride loop over the wrong stride (half the grid's threads: elements visited twice)",
     "launch.cuh",
     "std::int64_t(gridDim.x) * blockDim.x};",
     "std::int64_t(gridDim.x) * blockDim.x / 2};",
     "Sizes/CudaVectorOpsTest.ReductionsMatchCpu/3:Sizes/CudaVectorOpsTest.ElementwiseOpsMatchCpu/3"),
    ("reduction partial stored in the wrong scratch slot (two blocks share one, half the slots stale)",
     "partial_sums.cuh",
     "if (threadIdx.x == 0) partials[blockIdx.x] = block_total;",
     "if (threadIdx.x == 0) partials[blockIdx.x / 2] = block_total;",
     "Sizes/CudaVectorOpsTest.ReductionsMatchCpu/3:CudaVectorOps.ReductionUsesTheCallersScratch"),
    ("shuffle mask missing a lane",
     "reduce.cuh",
     "__shfl_down_sync(0xffffffffu, v, offset)",
     "__shfl_down_sync(0x7fffffffu, v, offset)",
     "Sizes/CudaVectorOpsTest.ReductionsMatchCpu/1"),
    ("shared buffer one element short (7 warp sums for a block of 8 warps)",
     "reduce.cuh",
     "__shared__ float warp_sums[32];",
     "__shared__ float warp_sums[7];",
     "Sizes/CudaVectorOpsTest.ReductionsMatchCpu/1"),
    ("missing __syncthreads before the warp sums are read",
     "reduce.cuh",
     "  if (lane == 0) warp_sums[warp] = v;\n  __syncthreads();\n",
     "  if (lane == 0) warp_sums[warp] = v;\n",
     "Sizes/CudaVectorOpsTest.ReductionsMatchCpu/1"),
]


def test_files(test_filters):
    """The <name>s of the tests/cuda/<name>_test.cpp files that define the tests the filters name.

    A filter is full GoogleTest names, [Instantiation/]Suite.Test[/Parameters], joined by ':'."""
    sources = {path: open(path, encoding="utf-8").read()
               for path in sorted(glob.glob(os.path.join(ROOT, "tests", "cuda", "*_test.cpp")))}
    names = set()
    for test_name in (name for test_filter in test_filters for name in test_filter.split(":")):
        parts = re.fullmatch(r"(?:\w+/)?(\w+)\.(\w+)(?:/.*)?", test_name)
        if not parts:
            sys.exit(f"plant_faults: {test_name!r} is not a full GoogleTest name")
        definition = re.compile(rf"\bTEST(?:_P|_F)?\(\s*{parts[1]}\s*,\s*{parts[2]}\s*\)")
        found = [path for path, text in sources.items() if definition.search(text)]
        if len(found) != 1:
            sys.exit(f"plant_faults: {len(found)} files in tests/cuda define {parts[1]}.{parts[2]} (for {test_name})")
        names.add(os.path.basename(found[0])[:-len("_test.cpp")])
    return sorted(names)


def run(command, log, env=None, timeout=None):
    with open(log, "a", encoding="utf-8") as out:
        out.write("$ " + " ".join(command) + "\n")
        out.flush()
        try:
            return subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, env=env, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            out.write("timed out\n")
            return 124


def ran_tests(log_text):
    """Whether the test program ran at least one test (a filter that matches none proves nothing)."""
    return "Running 0 tests" not in log_text and "[ RUN      ]" in log_text


def reason(log_text):
    """The first line that says why the tests failed."""
    for marker in ("nst CUDA emulator:", "ERROR: AddressSanitizer", "runtime error:", "Failure", "Expected", "timed out"):
        for line in log_text.splitlines():
            if marker in line:
                return line.strip()[:150]
    return "(see the log)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build-emu-faults"))
    parser.add_argument("--only", help="plant only the faults whose name contains this")
    args = parser.parse_args()
    build = os.path.abspath(args.build_dir)
    kernels = os.path.join(build, "kernels_under_test")
    logs = os.path.join(build, "fault_logs")
    os.makedirs(logs, exist_ok=True)
    clean = os.path.join(ROOT, "kernels", "cuda")
    if os.path.exists(kernels):
        shutil.rmtree(kernels)
    shutil.copytree(clean, kernels)

    faults = [f for f in FAULTS if not args.only or args.only in f[0]]
    setup_log = os.path.join(logs, "build.log")
    open(setup_log, "w").close()
    # -O1: the kernels' templates under the sanitizers compile an order of magnitude faster than at
    # -O3 (gram.cu: 2.6 s of CPU against 37.5 s), and a fault is compiled once or twice each; what
    # catches one (the comparison with the CPU, ASan, UBSan, the emulator's checks) does not depend on
    # the optimisation level. The emu step runs every test at -O3.
    configure = ["cmake", "-S", ROOT, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
                 "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG", "-DNST_CUDA=EMU", f"-DNST_EMU_KERNEL_DIR={kernels}",
                 "-DNST_EMU_FAULT_TESTS=" + ";".join(test_files(f[4] for f in faults))]
    build_env = None
    if shutil.which("ccache"):
        configure += [f"-DCMAKE_{lang}_COMPILER_LAUNCHER=ccache" for lang in ("C", "CXX")]
        build_env = dict(os.environ, CCACHE_DIR=os.path.join(build, "ccache"))
    build_tests = ["cmake", "--build", build, "--target", "nst_fault_tests", "--parallel", str(os.cpu_count() or 1)]
    if run(configure, setup_log) != 0 or run(build_tests, setup_log, build_env) != 0:
        sys.exit(f"plant_faults: the clean build failed (see {setup_log})")
    tests = os.path.join(build, "tests", "nst_fault_tests")
    env = dict(os.environ, NST_EMU_ORDER="compare")

    rows, ok = [], True
    clean_filter = ":".join(sorted({f[4] for f in faults}))
    clean_log = os.path.join(logs, "clean.log")
    open(clean_log, "w").close()
    clean_rc = run([tests, f"--gtest_filter={clean_filter}"], clean_log, env, timeout=900)
    clean_text = open(clean_log).read()
    missing = [f for f in clean_filter.split(":") if f"[       OK ] {f} (" not in clean_text]
    clean_ok = clean_rc == 0 and not missing
    rows.append(("none (the kernels as they are)", "-", "all of the below", "pass" if clean_ok else "FAIL",
                 "" if clean_ok else (f"no such test: {missing[0]}" if missing else reason(clean_text))))
    ok &= clean_ok

    for index, (name, file, old, new, test_filter) in enumerate(faults, 1):
        path = os.path.join(kernels, file)
        original = open(path, encoding="utf-8").read()
        if original.count(old) != 1:
            rows.append((name, file, test_filter, "NOT PLANTED", "the text to replace is not in the file once"))
            ok = False
            continue
        log = os.path.join(logs, f"fault_{index}.log")
        open(log, "w").close()
        started = time.time()
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original.replace(old, new))
            if run(build_tests, log, build_env) != 0:
                rows.append((name, file, test_filter, "BUILD FAILED", reason(open(log).read())))
                ok = False
                continue
            rc = run([tests, f"--gtest_filter={test_filter}"], log, env, timeout=900)
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        caught = rc != 0 and ran_tests(open(log).read())
        ok &= caught
        rows.append((name, file, test_filter, "caught" if caught else "MISSED",
                     f"{reason(open(log).read())} ({time.time() - started:.0f} s)" if caught else ""))
    run(build_tests, setup_log, build_env)  # leave the build as the clean kernels

    print("| planted fault | file | tests run | result | how it showed |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    caught = sum(1 for r in rows[1:] if r[3] == "caught")
    print(f"\n{caught} of {len(rows) - 1} planted faults caught; clean kernels: {rows[0][3]}. Logs: {logs}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
