// CPU convolution (im2col + OpenBLAS SGEMM) on the VGG19 layers up to conv4_1 at a 256×192 input
// (H×W), batch 1: forward with bias and ReLU, and backward-data with the ReLU gate of the layer below.
// Counter "GFLOP/s": Conv2dParams::flops() per second of wall time (OpenBLAS runs its own threads).
// The "winograd" rows call the Winograd F(2×2, 3×3) kernel directly, on every layer, whether or not
// ops::conv2d routes that layer to it (kernels/cpu/conv2d_winograd.h: winograd_applies).
// One iteration of style transfer to relu4_1 runs each layer once forward and once backward, except
// conv3_2 which stands for conv3_2, conv3_3 and conv3_4 (the same shape) and so counts three times.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "engine/ops/conv2d.h"
#include "kernels/conv2d.h"
#include "kernels/cpu/conv2d_winograd.h"
#include "tests/support/random.h"

namespace nst {
namespace {

struct VggLayer {
  std::int64_t c_in, c_out, h, w;
};

constexpr VggLayer kConv1_1{3, 64, 256, 192}, kConv1_2{64, 64, 256, 192}, kConv2_1{64, 128, 128, 96},
    kConv2_2{128, 128, 128, 96}, kConv3_1{128, 256, 64, 48}, kConv3_2{256, 256, 64, 48}, kConv4_1{256, 512, 32, 24};

Conv2dParams params_of(const VggLayer& l) {
  Conv2dParams p;
  p.c_in = l.c_in;
  p.c_out = l.c_out;
  p.h = l.h;
  p.w = l.w;
  return p;  // 3×3, stride 1, pad 1, batch 1
}

void report_flops(benchmark::State& state, const Conv2dParams& p) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * p.flops() * 1e-9, benchmark::Counter::kIsRate);
}

// Random inputs for one layer, the same for every variant benchmarked on it (never zeros).
struct LayerTensors {
  explicit LayerTensors(const Conv2dParams& p)
      : x(testing::random_tensor({1, p.c_in, p.h, p.w}, 1, Device::cpu, 0.0f, 1.0f)),
        w(testing::random_tensor({p.c_out, p.c_in, 3, 3}, 2, Device::cpu, -0.05f, 0.05f)),
        b(testing::random_tensor({p.c_out}, 3)),
        y({1, p.c_out, p.h, p.w}, Device::cpu),
        dy(testing::random_tensor({1, p.c_out, p.h, p.w}, 4)),
        gate(testing::random_tensor({1, p.c_in, p.h, p.w}, 5)),
        dx({1, p.c_in, p.h, p.w}, Device::cpu),
        // The input of every layer but conv1_1 is a ReLU output: about half of it is zero.
        gate_or_null(p.c_in == 3 ? nullptr : &gate) {}
  Tensor x, w, b, y, dy, gate, dx;
  const Tensor* gate_or_null;
};

// Times `pass` (one convolution pass on t) and reports the direct convolution's GFLOP/s.
template <class Pass>
void time_pass(benchmark::State& state, const Conv2dParams& p, Pass pass) {
  LayerTensors t(p);
  for (auto _ : state) {
    pass(t);
    benchmark::DoNotOptimize(t.y.data());
    benchmark::DoNotOptimize(t.dx.data());
    benchmark::ClobberMemory();
  }
  report_flops(state, p);
}

void BM_conv2d_forward(benchmark::State& state, VggLayer layer) {
  time_pass(state, params_of(layer), [](LayerTensors& t) { ops::conv2d(t.x, t.w, t.b, /*relu=*/true, t.y); });
}

void BM_conv2d_backward_data(benchmark::State& state, VggLayer layer) {
  time_pass(state, params_of(layer),
            [](LayerTensors& t) { ops::conv2d_backward_data(t.dy, t.w, t.gate_or_null, t.dx); });
}

void BM_winograd_forward(benchmark::State& state, VggLayer layer) {
  const Conv2dParams p = params_of(layer);
  time_pass(state, p, [&p](LayerTensors& t) {
    conv2d_forward_winograd_cpu(p, t.x.data(), t.w.data(), t.b.data(), /*relu=*/true, t.y.data());
  });
}

void BM_winograd_backward_data(benchmark::State& state, VggLayer layer) {
  const Conv2dParams p = params_of(layer);
  time_pass(state, p, [&p](LayerTensors& t) {
    conv2d_backward_data_winograd_cpu(p, t.dy.data(), t.w.data(), t.gate_or_null ? t.gate.data() : nullptr,
                                      t.dx.data());
  });
}

#define NST_CONV_BENCH(layer)                                                                                \
  BENCHMARK_CAPTURE(BM_conv2d_forward, layer, k##layer)->Unit(benchmark::kMillisecond)->UseRealTime();       \
  BENCHMARK_CAPTURE(BM_conv2d_backward_data, layer, k##layer)->Unit(benchmark::kMillisecond)->UseRealTime(); \
  BENCHMARK_CAPTURE(BM_winograd_forward, layer, k##layer)->Unit(benchmark::kMillisecond)->UseRealTime();     \
  BENCHMARK_CAPTURE(BM_winograd_backward_data, layer, k##layer)->Unit(benchmark::kMillisecond)->UseRealTime()

NST_CONV_BENCH(Conv1_1);
NST_CONV_BENCH(Conv1_2);
NST_CONV_BENCH(Conv2_1);
NST_CONV_BENCH(Conv2_2);
NST_CONV_BENCH(Conv3_1);
NST_CONV_BENCH(Conv3_2);
NST_CONV_BENCH(Conv4_1);

}  // namespace
}  // namespace nst
