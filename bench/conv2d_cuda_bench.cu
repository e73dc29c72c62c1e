// Our convolutions (kernels/conv2d.h: one GEMM main loop, kernels/cuda/gemm_mainloop.cuh, in three
// maths) against cuDNN on every distinct VGG19 conv shape at a 512×512 input (3×3, stride 1, pad 1,
// batch 1; ../shared/VGG19_SHAPES.md):
//   BM_conv2d_forward/<layer>_<math>         conv2d_forward_cuda, bias and ReLU fused
//   BM_conv2d_backward_data/<layer>_<math>   conv2d_backward_data_cuda without the ReLU gate (cuDNN's
//                                            backward-data has none; the gate is a select in the epilogue)
// with <math> fp32 (FMA, against cuDNN FP32 with FMA math), tf32 (against cuDNN allowed TF32) and
// tf32x3 (3xTF32, FP32-level error, against cuDNN FP32 with FMA math).
// One row times cuDNN, then ours, on the same buffers; the Time column is ours per launch.
// Counters: "GFLOP/s" = Conv2dParams::flops() (2·H·W·Cin·Cout·9, the direct convolution's count,
// also for cuDNN's FFT or Winograd algorithms, whose rate is then an effective one) over ours'
// time; "%datasheet" of 67 TFLOP/s FP32 (495 TFLOP/s for the TF32 rows), H100 SXM datasheet;
// "%sgemm" of the 8192³ cuBLAS SGEMM measured once in this process (its TF32 run for TF32 rows);
// "cuDNN_GFLOP/s", "cuDNN%sgemm" the same for cuDNN; "ours/cuDNN" the time ratio (above 1: ours is
// slower); "rel_err" = ‖ours − cuDNN FP32‖/‖cuDNN FP32‖ from one run on NaN-poisoned outputs. The
// label names cuDNN's algorithm and math, and starts with MISMATCH if rel_err is over 1e-3 (FP32,
// 3xTF32) or 1e-2 (TF32): FP32 rounding of these sums of ≤ 4608 terms stays near 1e-6 (a Winograd
// reference, which cuDNN may pick, up to ~1e-4), TF32's near 1e-3; a wrong index gives ~1.
//
// cuDNN: cudnnFind*AlgorithmEx times its algorithms with one 1 GiB workspace; the fastest that runs
// in the requested math is kept. FP32 runs with CUDNN_FMA_MATH, because cuDNN's CUDNN_DEFAULT_MATH
// lets FP32 convolutions use TF32 tensor cores on sm_80 and later; TF32 rows allow tensor ops. The
// forward adds bias and ReLU: fused through cudnnConvolutionBiasActivationForward when cuDNN runs
// that with the chosen algorithm, else cudnnConvolutionForward, cudnnAddTensor, cudnnActivationForward
// (the label says which).
// Inputs random on the device: x in [0, 1) (a ReLU output), w in ±0.05, b in ±0.1, dy in ±1.
// Time: about 20–30 s on an H100 (54 rows of ~0.2 s timing each, cuDNN's searches, the SGEMM ceilings).
#include <cudnn.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/cuda_bench_util.cuh"
#include "kernels/conv2d.h"
#include "kernels/conv2d_split.h"

namespace nst::bench {

inline void check(cudnnStatus_t status, const char* expr, const char* file, int line) {
  if (status != CUDNN_STATUS_SUCCESS) fail(std::string(expr) + " failed: " + cudnnGetErrorString(status), file, line);
}

namespace {

struct VggConv {
  std::int64_t c_in, c_out, size;  // size × size input, 3×3 kernel, stride 1, pad 1
};

constexpr VggConv kConv1_1{3, 64, 512}, kConv1_2{64, 64, 512}, kConv2_1{64, 128, 256}, kConv2_2{128, 128, 256},
    kConv3_1{128, 256, 128}, kConv3_2{256, 256, 128}, kConv4_1{256, 512, 64}, kConv4_2{512, 512, 64},
    kConv5_1{512, 512, 32};

enum class Math { fp32, tf32, tf32x3 };

GemmMath ours_in(Math math) {
  return math == Math::fp32 ? GemmMath::fp32 : math == Math::tf32 ? GemmMath::tf32 : GemmMath::tf32x3;
}
// The cuDNN math each of ours is compared with: 3xTF32 promises FP32's accuracy, so FP32's.
Math cudnn_counterpart(Math math) { return math == Math::tf32 ? Math::tf32 : Math::fp32; }

Conv2dParams params_of(const VggConv& layer) {
  Conv2dParams p;
  p.c_in = layer.c_in;
  p.c_out = layer.c_out;
  p.h = p.w = layer.size;
  return p;
}

// --- cuDNN -------------------------------------------------------------------------------------------

template <typename T, cudnnStatus_t (*create)(T*), cudnnStatus_t (*destroy)(T)>
class Descriptor {
 public:
  Descriptor() { NST_BENCH_CHECK(create(&handle_)); }
  ~Descriptor() { destroy(handle_); }  // never fails on a valid descriptor; nothing to report
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  operator T() const { return handle_; }

 private:
  T handle_ = nullptr;
};
using TensorDescriptor = Descriptor<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDescriptor = Descriptor<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvolutionDescriptor =
    Descriptor<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor, cudnnDestroyConvolutionDescriptor>;
using ActivationDescriptor =
    Descriptor<cudnnActivationDescriptor_t, cudnnCreateActivationDescriptor, cudnnDestroyActivationDescriptor>;

// The process's cuDNN handle on cuda_stream(); it lives as long as the process.
cudnnHandle_t cudnn() {
  static const cudnnHandle_t handle = [] {
    cudnnHandle_t h = nullptr;
    NST_BENCH_CHECK(cudnnCreate(&h));
    NST_BENCH_CHECK(cudnnSetStream(h, cuda_stream()));
    return h;
  }();
  return handle;
}

const char* math_name(cudnnMathType_t math) {
  static const char* const names[] = {"DEFAULT", "TENSOR_OP", "TENSOR_OP_ALLOW_CONVERSION", "FMA"};
  return names[math];
}

constexpr float kOne = 1.0f, kZero = 0.0f;
constexpr std::size_t kWorkspaceBytes = std::size_t{1} << 30;

// cuDNN's view of one layer in one math: x, w, y (and b), the convolution, and a workspace.
struct CudnnLayer {
  CudnnLayer(const Conv2dParams& p, Math math) {
    NST_BENCH_CHECK(
        cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, int(p.c_in), int(p.h), int(p.w)));
    NST_BENCH_CHECK(
        cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, int(p.c_out), int(p.h), int(p.w)));
    NST_BENCH_CHECK(cudnnSetTensor4dDescriptor(bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, int(p.c_out), 1, 1));
    NST_BENCH_CHECK(
        cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, int(p.c_out), int(p.c_in), 3, 3));
    NST_BENCH_CHECK(cudnnSetConvolution2dDescriptor(conv, 1, 1, 1, 1, 1, 1, CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    NST_BENCH_CHECK(cudnnSetConvolutionMathType(conv, math == Math::fp32 ? CUDNN_FMA_MATH : CUDNN_TENSOR_OP_MATH));
    NST_BENCH_CHECK(cudnnSetActivationDescriptor(relu, CUDNN_ACTIVATION_RELU, CUDNN_NOT_PROPAGATE_NAN, 0.0));
  }

  // Of Find's results (fastest first), the first that runs in `math`: FP32 skips the tensor-op
  // results and runs with CUDNN_FMA_MATH; TF32 runs with the math type Find timed.
  template <typename Perf, typename Run>
  Perf fastest_that_runs(const std::vector<Perf>& found, Math math, const Run& run) {
    for (Perf perf : found) {
      if (perf.status != CUDNN_STATUS_SUCCESS) continue;
      if (math == Math::fp32) {
        if (perf.mathType == CUDNN_TENSOR_OP_MATH || perf.mathType == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) continue;
        perf.mathType = CUDNN_FMA_MATH;
      }
      NST_BENCH_CHECK(cudnnSetConvolutionMathType(conv, perf.mathType));
      if (run(perf.algo) == CUDNN_STATUS_SUCCESS) return perf;
    }
    fail("cuDNN found no algorithm that runs in the requested math", __FILE__, __LINE__);
  }

  TensorDescriptor x, y, bias;
  FilterDescriptor w;
  ConvolutionDescriptor conv;
  ActivationDescriptor relu;
  mutable Tensor workspace{{std::int64_t(kWorkspaceBytes / sizeof(float))}, Device::cuda};  // cuDNN's scratch
};

// y = ReLU(conv(x, w) + b) by cuDNN, with its fastest algorithm in `math`.
class CudnnForward {
 public:
  CudnnForward(const Conv2dParams& p, Math math, const Tensor& x, const Tensor& w, const Tensor& b, Tensor& y)
      : layer_(p, math), x_(x.data()), w_(w.data()), b_(b.data()), y_(y.data()) {
    std::vector<cudnnConvolutionFwdAlgoPerf_t> found(CUDNN_CONVOLUTION_FWD_ALGO_COUNT);
    int count = 0;
    NST_BENCH_CHECK(cudnnFindConvolutionForwardAlgorithmEx(cudnn(), layer_.x, x_, layer_.w, w_, layer_.conv, layer_.y,
                                                           y_, int(found.size()), &count, found.data(),
                                                           layer_.workspace.data(), kWorkspaceBytes));
    found.resize(std::size_t(count));
    const auto best = layer_.fastest_that_runs(found, math, [this](cudnnConvolutionFwdAlgo_t algo) {
      return cudnnConvolutionForward(cudnn(), &kOne, layer_.x, x_, layer_.w, w_, layer_.conv, algo,
                                     layer_.workspace.data(), kWorkspaceBytes, &kZero, layer_.y, y_);
    });
    algo_ = best.algo;
    math_ = best.mathType;
    fused_ = run_fused() == CUDNN_STATUS_SUCCESS;
  }

  void operator()() const {
    if (fused_) {
      NST_BENCH_CHECK(run_fused());
      return;
    }
    NST_BENCH_CHECK(cudnnConvolutionForward(cudnn(), &kOne, layer_.x, x_, layer_.w, w_, layer_.conv, algo_,
                                            layer_.workspace.data(), kWorkspaceBytes, &kZero, layer_.y, y_));
    NST_BENCH_CHECK(cudnnAddTensor(cudnn(), &kOne, layer_.bias, b_, &kOne, layer_.y, y_));
    NST_BENCH_CHECK(cudnnActivationForward(cudnn(), layer_.relu, &kOne, layer_.y, y_, &kZero, layer_.y, y_));
  }

  std::string label() const {
    static const char* const names[] = {"IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT", "FFT", "FFT_TILING",
                                        "WINOGRAD",      "WINOGRAD_NONFUSED"};
    return std::string("cuDNN ") + names[algo_] + "/" + math_name(math_) +
           (fused_ ? ", fused bias+ReLU" : ", then AddTensor and ReLU");
  }

 private:
  // y = ReLU(1·conv(x) + 0·z + b), z = y.
  cudnnStatus_t run_fused() const {
    return cudnnConvolutionBiasActivationForward(cudnn(), &kOne, layer_.x, x_, layer_.w, w_, layer_.conv, algo_,
                                                 layer_.workspace.data(), kWorkspaceBytes, &kZero, layer_.y, y_,
                                                 layer_.bias, b_, layer_.relu, layer_.y, y_);
  }

  CudnnLayer layer_;
  const float *x_, *w_, *b_;
  float* y_;
  cudnnConvolutionFwdAlgo_t algo_{};
  cudnnMathType_t math_{};
  bool fused_ = false;
};

// dx = conv_transpose(dy, w) by cuDNN, with its fastest algorithm in `math`.
class CudnnBackwardData {
 public:
  CudnnBackwardData(const Conv2dParams& p, Math math, const Tensor& dy, const Tensor& w, Tensor& dx)
      : layer_(p, math), dy_(dy.data()), w_(w.data()), dx_(dx.data()) {
    std::vector<cudnnConvolutionBwdDataAlgoPerf_t> found(CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT);
    int count = 0;
    NST_BENCH_CHECK(cudnnFindConvolutionBackwardDataAlgorithmEx(cudnn(), layer_.w, w_, layer_.y, dy_, layer_.conv,
                                                                layer_.x, dx_, int(found.size()), &count, found.data(),
                                                                layer_.workspace.data(), kWorkspaceBytes));
    found.resize(std::size_t(count));
    const auto best = layer_.fastest_that_runs(found, math, [this](cudnnConvolutionBwdDataAlgo_t algo) {
      algo_ = algo;
      return run();
    });
    algo_ = best.algo;
    math_ = best.mathType;
  }

  void operator()() const { NST_BENCH_CHECK(run()); }

  std::string label() const {
    static const char* const names[] = {"ALGO_0", "ALGO_1", "FFT", "FFT_TILING", "WINOGRAD", "WINOGRAD_NONFUSED"};
    return std::string("cuDNN ") + names[algo_] + "/" + math_name(math_);
  }

 private:
  cudnnStatus_t run() const {
    return cudnnConvolutionBackwardData(cudnn(), &kOne, layer_.w, w_, layer_.y, dy_, layer_.conv, algo_,
                                        layer_.workspace.data(), kWorkspaceBytes, &kZero, layer_.x, dx_);
  }

  CudnnLayer layer_;
  const float *dy_, *w_;
  float* dx_;
  cudnnConvolutionBwdDataAlgo_t algo_{};
  cudnnMathType_t math_{};
};

// --- Benchmarks --------------------------------------------------------------------------------------

// Times cuDNN, then ours (the Google Benchmark loop), and writes every counter and the label.
void time_and_report(benchmark::State& state, const Conv2dParams& p, Math math, const Launch& ours,
                     const Launch& cudnn_op, const std::string& cudnn_label, double error) {
  const bool tf32 = math == Math::tf32;
  const double ceiling = measured_sgemm_flops_per_second(tf32);
  const double cudnn_seconds = mean_seconds_per_launch(cudnn_op);
  const double seconds = run_timed_loop(state, ours);
  report_flop_rate(state, p.flops(), seconds, tf32 ? kDatasheetTf32FlopsPerSecond : kDatasheetFp32FlopsPerSecond,
                   ceiling);
  state.counters["cuDNN_GFLOP/s"] = p.flops() / cudnn_seconds * 1e-9;
  state.counters["cuDNN%sgemm"] = 100.0 * p.flops() / cudnn_seconds / ceiling;
  state.counters["ours/cuDNN"] = seconds / cudnn_seconds;
  state.counters["rel_err"] = error;
  const bool matches = error <= (tf32 ? 1e-2 : 1e-3);  // false for NaN too
  state.SetLabel((matches ? "" : "MISMATCH; ") + cudnn_label);
}

void BM_conv2d_forward(benchmark::State& state, VggConv layer, Math math) {
  if (skip_without_cuda(state)) return;
  const Conv2dParams p = params_of(layer);
  const Tensor x = random_device_tensor({1, p.c_in, p.h, p.w}, 1, 0.0f, 1.0f);
  const Tensor w = random_device_tensor({p.c_out, p.c_in, 3, 3}, 2, -0.05f, 0.05f);
  const Tensor b = random_device_tensor({p.c_out}, 3, -0.1f, 0.1f);
  Tensor y({1, p.c_out, p.h, p.w}, Device::cuda), y_cudnn({1, p.c_out, p.h, p.w}, Device::cuda);
  // Split K's partial sums (kernels/conv2d_split.h), allocated once outside the timing.
  Tensor forward_scratch({std::max<std::int64_t>(conv2d_forward_split(p).scratch_floats(), 1)}, Device::cuda);
  const Launch ours = [&] {
    conv2d_forward_cuda(p, x.data(), w.data(), b.data(), /*relu=*/true, y.data(), forward_scratch.data(), ours_in(math),
                        cuda_stream());
    NST_BENCH_CHECK_LAUNCH();
  };

  const CudnnForward cudnn_fp32(p, Math::fp32, x, w, b, y_cudnn);
  poison(y);
  poison(y_cudnn);
  ours();
  cudnn_fp32();
  const double error = relative_error(y, y_cudnn);

  if (cudnn_counterpart(math) == Math::fp32) {
    time_and_report(
        state, p, math, ours, [&] { cudnn_fp32(); }, cudnn_fp32.label(), error);
  } else {
    const CudnnForward cudnn_tf32(p, Math::tf32, x, w, b, y_cudnn);
    time_and_report(
        state, p, math, ours, [&] { cudnn_tf32(); }, cudnn_tf32.label(), error);
  }
}

void BM_conv2d_backward_data(benchmark::State& state, VggConv layer, Math math) {
  if (skip_without_cuda(state)) return;
  const Conv2dParams p = params_of(layer);
  const Tensor dy = random_device_tensor({1, p.c_out, p.h, p.w}, 4);
  const Tensor w = random_device_tensor({p.c_out, p.c_in, 3, 3}, 2, -0.05f, 0.05f);
  Tensor dx({1, p.c_in, p.h, p.w}, Device::cuda), dx_cudnn({1, p.c_in, p.h, p.w}, Device::cuda);
  Tensor backward_scratch({std::max<std::int64_t>(conv2d_backward_data_split(p).scratch_floats(), 1)}, Device::cuda);
  Tensor w_t({p.c_in, p.c_out * 9}, Device::cuda);  // Wᵀ, laid out once as a run does (ops::PreparedConvWeights)
  conv2d_transposed_weights_cuda(p, w.data(), w_t.data(), cuda_stream());
  const Launch ours = [&] {
    conv2d_backward_data_cuda(p, dy.data(), w_t.data(), /*gate=*/nullptr, dx.data(), backward_scratch.data(),
                              ours_in(math), cuda_stream());
    NST_BENCH_CHECK_LAUNCH();
  };

  const CudnnBackwardData cudnn_fp32(p, Math::fp32, dy, w, dx_cudnn);
  poison(dx);
  poison(dx_cudnn);
  ours();
  cudnn_fp32();
  const double error = relative_error(dx, dx_cudnn);
  if (cudnn_counterpart(math) == Math::fp32) {
    time_and_report(
        state, p, math, ours, [&] { cudnn_fp32(); }, cudnn_fp32.label(), error);
  } else {
    const CudnnBackwardData cudnn_tf32(p, Math::tf32, dy, w, dx_cudnn);
    time_and_report(
        state, p, math, ours, [&] { cudnn_tf32(); }, cudnn_tf32.label(), error);
  }
}

// Per layer: both directions in each math.
#define NST_CONV_PAIR(name, layer, math)                        \
  BENCHMARK_CAPTURE(BM_conv2d_forward, name, layer, math)       \
      ->Iterations(kBatches)                                    \
      ->UseManualTime()                                         \
      ->Unit(benchmark::kMillisecond);                          \
  BENCHMARK_CAPTURE(BM_conv2d_backward_data, name, layer, math) \
      ->Iterations(kBatches)                                    \
      ->UseManualTime()                                         \
      ->Unit(benchmark::kMillisecond)
#define NST_CONV_BENCHMARKS(name, layer)         \
  NST_CONV_PAIR(name##_fp32, layer, Math::fp32); \
  NST_CONV_PAIR(name##_tf32, layer, Math::tf32); \
  NST_CONV_PAIR(name##_tf32x3, layer, Math::tf32x3)

NST_CONV_BENCHMARKS(conv1_1, kConv1_1);
NST_CONV_BENCHMARKS(conv1_2, kConv1_2);
NST_CONV_BENCHMARKS(conv2_1, kConv2_1);
NST_CONV_BENCHMARKS(conv2_2, kConv2_2);
NST_CONV_BENCHMARKS(conv3_1, kConv3_1);
NST_CONV_BENCHMARKS(conv3_2, kConv3_2);
NST_CONV_BENCHMARKS(conv4_1, kConv4_1);
NST_CONV_BENCHMARKS(conv4_2, kConv4_2);
NST_CONV_BENCHMARKS(conv5_1, kConv5_1);

}  // namespace
}  // namespace nst::bench
