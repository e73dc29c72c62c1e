// The card's real ceilings, against which every other CUDA benchmark is read (METHOD: "two numbers
// first"): how fast it moves bytes and how fast a library multiplies matrices.
//   BM_device_copy/1GiB   cudaMemcpyAsync of a 1 GiB buffer device to device; "GB/s" counts the
//                         bytes read plus the bytes written (2 GiB per copy), 1 GB = 1e9 bytes;
//                         "%datasheet" of 3.35 TB/s.
//   BM_sgemm/8192_fp32    cuBLAS SGEMM C = A·B, 8192³, CUBLAS_DEFAULT_MATH (FP32 all the way:
//                         cuBLAS's default never rounds FP32 operands to TF32); "GFLOP/s" counts
//                         2·8192³ per product; "%datasheet" of 67 TFLOP/s.
//   BM_sgemm/8192_tf32    the same product with CUBLAS_TF32_TENSOR_OP_MATH (operands rounded to TF32,
//                         FP32 accumulation on the tensor cores); "%datasheet" of 495 TFLOP/s.
// Random inputs, made on the device. Each row times kBatches event-timed batches of about 5 ms
// (cuda_bench_util.cuh); the whole program runs in about 2 s on an H100, most of it start-up.
#include <cstdint>

#include "bench/cuda_bench_util.cuh"

namespace nst::bench {
namespace {

void BM_device_copy(benchmark::State& state) {
  if (skip_without_cuda(state)) return;
  constexpr std::int64_t kFloats = std::int64_t{1} << 28;  // 1 GiB
  constexpr double kBytesMoved = 2.0 * kFloats * sizeof(float);
  const Tensor source = random_device_tensor({kFloats}, 1);
  Tensor destination({kFloats}, Device::cuda);
  const double seconds = run_timed_loop(state, [&] {
    NST_BENCH_CHECK(cudaMemcpyAsync(destination.data(), source.data(), kFloats * sizeof(float),
                                    cudaMemcpyDeviceToDevice, cuda_stream()));
  });
  state.counters["GB/s"] =
      benchmark::Counter(double(state.iterations()) * kBytesMoved * 1e-9, benchmark::Counter::kIsRate);
  state.counters["%datasheet"] = 100.0 * kBytesMoved / seconds / kDatasheetBytesPerSecond;
  state.SetLabel(cuda_device_description());
}

void BM_sgemm(benchmark::State& state, bool tf32) {
  if (skip_without_cuda(state)) return;
  SquareSgemm gemm;
  const double seconds = run_timed_loop(state, gemm.launch(tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  state.counters["GFLOP/s"] =
      benchmark::Counter(double(state.iterations()) * SquareSgemm::flops() * 1e-9, benchmark::Counter::kIsRate);
  const double datasheet = tf32 ? kDatasheetTf32FlopsPerSecond : kDatasheetFp32FlopsPerSecond;
  state.counters["%datasheet"] = 100.0 * SquareSgemm::flops() / seconds / datasheet;
  state.SetLabel(tf32 ? "cuBLAS TF32 tensor ops" : "cuBLAS FP32 (default math, no TF32)");
}

BENCHMARK(BM_device_copy)
    ->Name("BM_device_copy/1GiB")
    ->Iterations(kBatches)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_sgemm, 8192_fp32, false)->Iterations(kBatches)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_sgemm, 8192_tf32, true)->Iterations(kBatches)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace nst::bench
