// Our Gram matrix and style-loss gradient (kernels/gram.h, kernels/losses.h) against cuBLAS, at
// VGG19's style taps for a 512×512 input (F is C×M row-major, M = H·W):
//   relu1_1 64×262144, relu2_1 128×65536, relu3_1 256×16384, relu4_1 512×4096, relu5_1 512×1024.
//
// BM_gram/<tap>: gram_forward_cuda, G = F·Fᵀ. cuBLAS is column-major, so F is the M×C matrix F' = Fᵀ
// with leading dimension M and G = F'ᵀ·F': cublasSsyrk(upper, transposed, n = C, k = M) computes
// one triangle; cublasSgemm(Fᵀ-transposed, n, C, C, M) the whole square (the same G, G being
// symmetric). "GFLOP/s" counts C²·M per Gram for all three, the work the symmetric product needs
// (C(C+1)/2 entries of 2M FLOPs each, rounded to C²·M), so the columns compare times directly; the
// full SGEMM does twice that work. Counters: ours "GFLOP/s", "%datasheet" (of 67 TFLOP/s), "%sgemm"
// (of the 8192³ SGEMM measured in this process); "syrk_GFLOP/s", "gemm_GFLOP/s"; "ours/syrk",
// "ours/gemm" (time ratios: above 1 means ours is slower); "rel_err" = ‖G − G_gemm‖/‖G_gemm‖.
//
// BM_style_loss_backward/<tap>: style_loss_backward_cuda, dF += s·(G − A)·F with s = 4w/(2CM)², on
// a real Gram G of F and the Gram A of other features. cuBLAS: cublasSgeam D = G − A (C², a few
// µs at most), then cublasSgemm dF' += s·F'·D' (D' = D as stored, read column-major: m = M, n = C,
// k = C), both timed. "GFLOP/s" counts 2·C²·M (no symmetry to use); "ours/cuBLAS" the time ratio;
// "rel_err" compares one update of a zeroed dF.
//
// Each row runs ours in one math (kernels/gemm_math.h; the suffix _fp32, _tf32, _tf32x3): cuBLAS runs
// FP32 (CUBLAS_DEFAULT_MATH, no TF32) beside fp32 and tf32x3 (3xTF32 promises FP32's accuracy) and
// CUBLAS_TF32_TENSOR_OP_MATH beside tf32, whose datasheet and SGEMM ceilings are TF32's and whose
// MISMATCH threshold is 1e-2 instead of 1e-4. F in [0, 1) like a ReLU output, made on the
// device; every output NaN-poisoned before the checked run. Timing: kBatches event-timed batches of
// ~5 ms for each of ours and the cuBLAS calls (cuda_bench_util.cuh). About 6 s in all on an H100,
// a third of it the SGEMM ceilings.
#include <algorithm>
#include <cstdint>

#include "bench/cuda_bench_util.cuh"
#include "kernels/gram.h"
#include "kernels/losses.h"

namespace nst::bench {
namespace {

struct StyleTap {
  std::int64_t c, m;
};

constexpr StyleTap kRelu1_1{64, 512 * 512}, kRelu2_1{128, 256 * 256}, kRelu3_1{256, 128 * 128}, kRelu4_1{512, 64 * 64},
    kRelu5_1{512, 32 * 32};

void report_baseline(benchmark::State& state, const char* name, double flops, double ours_seconds,
                     double baseline_seconds) {
  state.counters[std::string(name) + "_GFLOP/s"] = flops / baseline_seconds * 1e-9;
  state.counters[std::string("ours/") + name] = ours_seconds / baseline_seconds;
}

// cuBLAS's math beside ours in `math`.
cublasMath_t cublas_math(GemmMath math) {
  return math == GemmMath::tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH;
}
double datasheet(GemmMath math) {
  return math == GemmMath::tf32 ? kDatasheetTf32FlopsPerSecond : kDatasheetFp32FlopsPerSecond;
}
double mismatch_threshold(GemmMath math) { return math == GemmMath::tf32 ? 1e-2 : 1e-4; }

void BM_gram(benchmark::State& state, StyleTap tap, GemmMath math) {
  if (skip_without_cuda(state)) return;
  const int c = int(tap.c), m = int(tap.m);
  const double flops = double(tap.c) * double(tap.c) * double(tap.m);
  const Tensor f = random_device_tensor({tap.c, tap.m}, 1, 0.0f, 1.0f);
  Tensor g({tap.c, tap.c}, Device::cuda), g_syrk({tap.c, tap.c}, Device::cuda), g_gemm({tap.c, tap.c}, Device::cuda);
  Tensor scratch({std::max<std::int64_t>(gram_split(tap.c, tap.m).scratch_floats(), 1)}, Device::cuda);
  const float one = 1.0f, zero = 0.0f;

  const Launch ours = [&] {
    gram_forward_cuda(tap.c, tap.m, f.data(), g.data(), scratch.data(), math, cuda_stream());
    NST_BENCH_CHECK_LAUNCH();
  };
  const Launch syrk = [&] {
    NST_BENCH_CHECK(cublasSsyrk(cublas(cublas_math(math)), CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_T, c, m, &one, f.data(), m,
                                &zero, g_syrk.data(), c));
  };
  const Launch gemm = [&] {
    NST_BENCH_CHECK(cublasSgemm(cublas(cublas_math(math)), CUBLAS_OP_T, CUBLAS_OP_N, c, c, m, &one, f.data(), m,
                                f.data(), m, &zero, g_gemm.data(), c));
  };

  poison(g);
  poison(g_gemm);
  ours();
  gemm();
  const double error = relative_error(g, g_gemm);
  const double syrk_seconds = mean_seconds_per_launch(syrk);
  const double gemm_seconds = mean_seconds_per_launch(gemm);
  const double ceiling = measured_sgemm_flops_per_second(math == GemmMath::tf32);

  const double seconds = run_timed_loop(state, ours);
  report_flop_rate(state, flops, seconds, datasheet(math), ceiling);
  report_baseline(state, "syrk", flops, seconds, syrk_seconds);
  report_baseline(state, "gemm", flops, seconds, gemm_seconds);
  state.counters["rel_err"] = error;
  // FP32 rounding of these sums of M positive terms stays ≲ 1e-5 (TF32's ≲ 1e-3); a wrong index gives ~1.
  if (!(error <= mismatch_threshold(math))) state.SetLabel("MISMATCH with cuBLAS");
}

void BM_style_loss_backward(benchmark::State& state, StyleTap tap, GemmMath math) {
  if (skip_without_cuda(state)) return;
  const int c = int(tap.c), m = int(tap.m);
  const double flops = 2.0 * double(tap.c) * double(tap.c) * double(tap.m);
  const float weight = 1.0f;
  const double two_cm = 2.0 * double(tap.c) * double(tap.m);
  const float scale = float(4.0 * weight / (two_cm * two_cm)), one = 1.0f, minus_one = -1.0f;

  const Tensor f = random_device_tensor({tap.c, tap.m}, 2, 0.0f, 1.0f);
  const Tensor other = random_device_tensor({tap.c, tap.m}, 3, 0.0f, 1.0f);
  Tensor g({tap.c, tap.c}, Device::cuda), a({tap.c, tap.c}, Device::cuda), difference({tap.c, tap.c}, Device::cuda);
  Tensor scratch({std::max<std::int64_t>(gram_split(tap.c, tap.m).scratch_floats(), 1)}, Device::cuda);
  gram_forward_cuda(tap.c, tap.m, f.data(), g.data(), scratch.data(), GemmMath::fp32, cuda_stream());
  gram_forward_cuda(tap.c, tap.m, other.data(), a.data(), scratch.data(), GemmMath::fp32, cuda_stream());
  NST_BENCH_CHECK_LAUNCH();
  Tensor df({tap.c, tap.m}, Device::cuda), df_cublas({tap.c, tap.m}, Device::cuda);

  const Launch ours = [&] {
    style_loss_backward_cuda(tap.c, tap.m, f.data(), g.data(), a.data(), weight, df.data(), math, cuda_stream());
    NST_BENCH_CHECK_LAUNCH();
  };
  const Launch cublas_pair = [&] {
    const cublasHandle_t handle = cublas(cublas_math(math));
    NST_BENCH_CHECK(cublasSgeam(handle, CUBLAS_OP_N, CUBLAS_OP_N, c, c, &one, g.data(), c, &minus_one, a.data(), c,
                                difference.data(), c));
    NST_BENCH_CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, m, c, c, &scale, f.data(), m, difference.data(), c,
                                &one, df_cublas.data(), m));
  };

  // One update of a zeroed gradient each (the backward adds to dF, so dF is its input too).
  NST_BENCH_CHECK(cudaMemsetAsync(df.data(), 0, df.numel() * sizeof(float), cuda_stream()));
  NST_BENCH_CHECK(cudaMemsetAsync(df_cublas.data(), 0, df_cublas.numel() * sizeof(float), cuda_stream()));
  ours();
  cublas_pair();
  const double error = relative_error(df, df_cublas);
  const double cublas_seconds = mean_seconds_per_launch(cublas_pair);
  const double ceiling = measured_sgemm_flops_per_second(math == GemmMath::tf32);

  const double seconds = run_timed_loop(state, ours);
  report_flop_rate(state, flops, seconds, datasheet(math), ceiling);
  report_baseline(state, "cuBLAS", flops, seconds, cublas_seconds);
  state.counters["rel_err"] = error;
  // G − A is rounded alike in both; the products are FP32 sums of C terms of both signs (≲ 1e-5).
  if (!(error <= mismatch_threshold(math))) state.SetLabel("MISMATCH with cuBLAS");
}

#define NST_STYLE_TAP_ROWS(name, tap, math)                                                                          \
  BENCHMARK_CAPTURE(BM_gram, name, tap, math)->Iterations(kBatches)->UseManualTime()->Unit(benchmark::kMicrosecond); \
  BENCHMARK_CAPTURE(BM_style_loss_backward, name, tap, math)                                                         \
      ->Iterations(kBatches)                                                                                         \
      ->UseManualTime()                                                                                              \
      ->Unit(benchmark::kMicrosecond)
#define NST_STYLE_TAP_BENCHMARKS(name, tap)             \
  NST_STYLE_TAP_ROWS(name##_fp32, tap, GemmMath::fp32); \
  NST_STYLE_TAP_ROWS(name##_tf32, tap, GemmMath::tf32); \
  NST_STYLE_TAP_ROWS(name##_tf32x3, tap, GemmMath::tf32x3)

NST_STYLE_TAP_BENCHMARKS(relu1_1, kRelu1_1);
NST_STYLE_TAP_BENCHMARKS(relu2_1, kRelu2_1);
NST_STYLE_TAP_BENCHMARKS(relu3_1, kRelu3_1);
NST_STYLE_TAP_BENCHMARKS(relu4_1, kRelu4_1);
NST_STYLE_TAP_BENCHMARKS(relu5_1, kRelu5_1);

}  // namespace
}  // namespace nst::bench
