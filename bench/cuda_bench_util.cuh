#pragma once
// What the CUDA benchmarks (bench/*_cuda_bench.cu) share: checked CUDA and cuBLAS calls, random
// device inputs, event timing of batches of launches, counters, the H100's datasheet rates and the
// card's SGEMM ceiling measured in the running process. Each program includes this header from its
// one .cu file.
//
// Timing. Device work is asynchronous, so every time here is read from two CUDA events around a
// batch of back-to-back launches on nst::cuda_stream(): the host queues the next launch while the
// GPU runs the last, so the host's launch latency (a few µs, as long as a small Gram) stays out of
// the number. A batch is sized to take about kBatchSeconds after two warm-up launches; a benchmark
// times kBatches batches and reports seconds per launch (their mean). The buffers stay the same
// from launch to launch, so inputs that fit the 50 MB L2 (conv5_1, the deep Grams) run from cache
// for ours and for the library alike, as they would in the style-transfer loop, where the layer
// below has just written them.
#include <benchmark/benchmark.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "engine/gpu.h"
#include "engine/tensor.h"
#include "kernels/cuda/launch.cuh"
#include "kernels/vector_ops.h"

namespace nst::bench {

// Datasheet figures, NVIDIA H100 SXM5: FP32 on the CUDA cores 67 TFLOP/s, TF32 on the tensor cores
// 495 TFLOP/s dense, HBM3 3.35 TB/s. The measured ceilings (ceilings_cuda_bench) are the fairer
// yardstick; these say how far the card as lent is from the brochure.
constexpr double kDatasheetFp32FlopsPerSecond = 67e12;
constexpr double kDatasheetTf32FlopsPerSecond = 495e12;
constexpr double kDatasheetBytesPerSecond = 3.35e12;

constexpr double kBatchSeconds = 5e-3;  // one timed batch of launches lasts about this long
constexpr int kBatches = 10;            // batches per measurement (Google Benchmark iterations)

// A benchmark program run under `timeout` loses what stdout still buffers when it is killed;
// line buffering keeps every finished row in the log.
inline const bool kStdoutLineBuffered = std::setvbuf(stdout, nullptr, _IOLBF, 0) == 0;

// --- Checked calls: any failure aborts the program with the call, the status and file:line. ------

[[noreturn]] inline void fail(const std::string& what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: %s\n", file, line, what.c_str());
  std::fflush(stderr);
  std::abort();
}

inline void check(cudaError_t status, const char* expr, const char* file, int line) {
  if (status != cudaSuccess)
    fail(std::string(expr) + " failed: " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")", file,
         line);
}

inline void check(cublasStatus_t status, const char* expr, const char* file, int line) {
  if (status != CUBLAS_STATUS_SUCCESS)
    fail(std::string(expr) + " failed: " + cublasGetStatusName(status) + " (" + cublasGetStatusString(status) + ")",
         file, line);
}

#define NST_BENCH_CHECK(expr) ::nst::bench::check((expr), #expr, __FILE__, __LINE__)

// After one of our raw launchers (they do not check): a launch error, or an earlier asynchronous one.
#define NST_BENCH_CHECK_LAUNCH() NST_BENCH_CHECK(cudaGetLastError())

// Skips the benchmark, saying why, on a machine without a usable GPU.
inline bool skip_without_cuda(benchmark::State& state) {
  if (cuda_available()) return false;
  state.SkipWithError(("no CUDA device: " + cuda_unavailable_reason()).c_str());
  return true;
}

// --- Inputs ----------------------------------------------------------------------------------------

// x[i] uniform in [lo, hi): splitmix64 of (seed, i), top 24 bits. Made on the device: the largest
// inputs (1 GiB for the copy, 256 MiB per SGEMM operand) would take seconds on the host.
__global__ void fill_uniform_kernel(std::int64_t n, std::uint64_t seed, float lo, float hi, float* x) {
  for (const std::int64_t i : grid_stride(n)) {
    std::uint64_t z = seed * 0x9E3779B97F4A7C15ull + std::uint64_t(i);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    const float unit = float(z >> 40) * (1.0f / 16777216.0f);  // [0, 1)
    x[i] = lo + (hi - lo) * unit;
  }
}

inline Tensor random_device_tensor(const Shape& shape, std::uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  Tensor t(shape, Device::cuda);
  fill_uniform_kernel<<<blocks_for(t.numel()), kThreadsPerBlock, 0, cuda_stream()>>>(t.numel(), seed, lo, hi, t.data());
  NST_BENCH_CHECK_LAUNCH();
  return t;
}

// Fills an output with NaN before a run whose result is checked: an element the run does not write
// stays NaN and makes the relative error NaN.
inline void poison(Tensor& t) {
  fill_cuda(t.numel(), std::numeric_limits<float>::quiet_NaN(), t.data(), cuda_stream());
  NST_BENCH_CHECK_LAUNCH();
}

// ‖a − ref‖₂ / ‖ref‖₂ in double on the host (NaN when either holds a NaN).
inline double relative_error(const Tensor& a, const Tensor& ref) {
  NST_BENCH_CHECK(cudaStreamSynchronize(cuda_stream()));
  const std::vector<float> av = a.to_host(), rv = ref.to_host();
  double diff = 0.0, norm = 0.0;
  for (std::size_t i = 0; i < rv.size(); ++i) {
    const double d = double(av[i]) - double(rv[i]);
    diff += d * d;
    norm += double(rv[i]) * double(rv[i]);
  }
  return std::sqrt(diff / norm);
}

// --- Timing ------------------------------------------------------------------------------------------

using Launch = std::function<void()>;  // queues one run of the op on cuda_stream()

class EventPair {
 public:
  EventPair() {
    NST_BENCH_CHECK(cudaEventCreate(&start_));
    NST_BENCH_CHECK(cudaEventCreate(&stop_));
  }
  ~EventPair() {  // never throws; a failure here changes no measurement
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventPair(const EventPair&) = delete;
  EventPair& operator=(const EventPair&) = delete;

  // Seconds per launch over `launches` back-to-back launches.
  double seconds_per_launch(const Launch& launch, int launches) {
    NST_BENCH_CHECK(cudaEventRecord(start_, cuda_stream()));
    for (int i = 0; i < launches; ++i) launch();
    NST_BENCH_CHECK(cudaEventRecord(stop_, cuda_stream()));
    NST_BENCH_CHECK(cudaEventSynchronize(stop_));
    float ms = 0.0f;
    NST_BENCH_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
    return 1e-3 * double(ms) / launches;
  }

 private:
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

// Two warm-up launches (module load, library handles, caches), then the batch size that lasts
// about kBatchSeconds.
inline int launches_per_batch(EventPair& events, const Launch& launch) {
  launch();
  launch();
  const double one = std::max(events.seconds_per_launch(launch, 1), 1e-7);
  return int(std::clamp(std::ceil(kBatchSeconds / one), 1.0, 100000.0));
}

// Seconds per launch of `launch`, the mean of kBatches batches (for the baselines measured inside
// another benchmark, the same way as run_timed_loop times ours).
inline double mean_seconds_per_launch(const Launch& launch) {
  EventPair events;
  const int per_batch = launches_per_batch(events, launch);
  double total = 0.0;
  for (int b = 0; b < kBatches; ++b) total += events.seconds_per_launch(launch, per_batch);
  return total / kBatches;
}

// The Google Benchmark loop (the benchmark is registered with Iterations(kBatches) and
// UseManualTime): one batch per iteration, its seconds per launch as the iteration's time. Returns
// the mean seconds per launch.
inline double run_timed_loop(benchmark::State& state, const Launch& launch) {
  EventPair events;
  const int per_batch = launches_per_batch(events, launch);
  double total = 0.0;
  for (auto _ : state) {
    const double seconds = events.seconds_per_launch(launch, per_batch);
    state.SetIterationTime(seconds);
    total += seconds;
  }
  return total / double(state.iterations());
}

// --- Counters ----------------------------------------------------------------------------------------

// "GFLOP/s": `flops` per iteration (one launch) over the manual time; with its percentages of the
// datasheet rate and of the measured ceiling (for the precision the op computes in).
inline void report_flop_rate(benchmark::State& state, double flops, double seconds_per_launch, double datasheet,
                             double measured_ceiling) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(double(state.iterations()) * flops * 1e-9, benchmark::Counter::kIsRate);
  const double rate = flops / seconds_per_launch;
  state.counters["%datasheet"] = 100.0 * rate / datasheet;
  state.counters["%sgemm"] = 100.0 * rate / measured_ceiling;
}

// --- cuBLAS and the SGEMM ceiling ----------------------------------------------------------------

// The process's cuBLAS handle on cuda_stream(), with `math` set: CUBLAS_DEFAULT_MATH keeps FP32
// products in FP32 (it never drops to TF32); CUBLAS_TF32_TENSOR_OP_MATH lets them use TF32 tensor
// cores. The handle lives as long as the process; the driver reclaims it at exit.
inline cublasHandle_t cublas(cublasMath_t math) {
  static const cublasHandle_t handle = [] {
    cublasHandle_t h = nullptr;
    NST_BENCH_CHECK(cublasCreate(&h));
    NST_BENCH_CHECK(cublasSetStream(h, cuda_stream()));
    return h;
  }();
  NST_BENCH_CHECK(cublasSetMathMode(handle, math));
  return handle;
}

// C = A·B, n×n×n, random operands: the largest product a library runs near the card's peak.
struct SquareSgemm {
  static constexpr int kN = 8192;
  static double flops() { return 2.0 * double(kN) * kN * kN; }

  Tensor a = random_device_tensor({kN, kN}, 101), b = random_device_tensor({kN, kN}, 102);
  Tensor c{{kN, kN}, Device::cuda};

  Launch launch(cublasMath_t math) {
    return [this, math] {
      const float one = 1.0f, zero = 0.0f;
      NST_BENCH_CHECK(cublasSgemm(cublas(math), CUBLAS_OP_N, CUBLAS_OP_N, kN, kN, kN, &one, a.data(), kN, b.data(), kN,
                                  &zero, c.data(), kN));
    };
  }
};

// The card's measured SGEMM rate in FLOP/s (FP32, or TF32 when `tf32`), measured once per process.
inline double measured_sgemm_flops_per_second(bool tf32) {
  static const auto measure = [](cublasMath_t math) {
    SquareSgemm gemm;
    return SquareSgemm::flops() / mean_seconds_per_launch(gemm.launch(math));
  };
  if (tf32) {
    static const double rate = measure(CUBLAS_TF32_TENSOR_OP_MATH);
    return rate;
  }
  static const double rate = measure(CUBLAS_DEFAULT_MATH);
  return rate;
}

}  // namespace nst::bench
