// One style-transfer iteration — VGG19 forward to the deepest tap, the losses, backward to the
// pixels, one L-BFGS step — on the demo pair with the shared partial weights (trunk to relu4_1:
// content relu4_1, style relu1_1…relu4_1), as `nst` runs it. On the CPU at 256 px (256×192) this
// is the number bench/compare_pytorch.sh sets beside PyTorch's; on a GPU at 512 px, beside
// PyTorch+cuDNN's. GFLOP/s counts the convolutions only (forward + backward-data), which are
// ~95% of the arithmetic: the rate is a lower bound on what the kernels sustain.
// Timed in the steady state of a long run: after m + 1 warm-up iterations fill L-BFGS's history
// (on the CPU at 256 px that warm-up takes ~15 s).
// cuda_graph: the same iteration recorded once as a CUDA graph and replayed (--cuda-graph); the
// difference to cuda is what one launch per iteration instead of one per kernel saves.
// On CUDA each row runs in one --conv-math (kernels/gemm_math.h): cuda_<math>, cuda_graph_<math>.
#include <optional>

#include <benchmark/benchmark.h>

#include "engine/cuda_graph.h"
#include "engine/gpu.h"
#include "kernels/conv2d.h"
#include "layers/lbfgs.h"
#include "tests/support/demo_run.h"
#include "tests/support/shared_files.h"
#include "weights/vgg19_spec.h"

namespace nst {
namespace {

// 2·9·C_in·C_out·H·W for each conv of the trunk, forward and backward-data.
double trunk_flops(const std::vector<Tap>& taps, std::int64_t h, std::int64_t w) {
  int depth = 0;
  for (const Tap& tap : taps) depth = std::max(depth, tap.conv_index + 1);
  double flops = 0.0;
  for (int k = 0; k < depth; ++k) {
    const VggConvSpec& spec = vgg19_conv_specs()[static_cast<std::size_t>(k)];
    Conv2dParams p;
    p.c_in = spec.in_channels, p.c_out = spec.out_channels, p.h = h, p.w = w;
    flops += 2.0 * p.flops();
    if (spec.pool_after) h /= 2, w /= 2;
  }
  return flops;
}

void BM_iteration(benchmark::State& state, Device device, bool replay_graph, GemmMath math) {
  if (device == Device::cuda && !cuda_available()) {
    state.SkipWithError(("no GPU: " + cuda_unavailable_reason()).c_str());
    return;
  }
  const std::string weights = testing::shared_file("weights/vgg19_partial_notop.h5");
  const std::string content_path = testing::shared_file("images/tubingen.jpg");
  const std::string style_path = testing::shared_file("images/starry_night.jpg");
  if (weights.empty() || content_path.empty() || style_path.empty()) {
    state.SkipWithError(("needs the demo files under " + testing::shared_dir()).c_str());
    return;
  }
  testing::DemoProblem problem(weights, content_path, style_path, device, static_cast<int>(state.range(0)), math);
  StyleObjective& objective = problem.objective();
  Lbfgs lbfgs(LbfgsOptions{});
  Tensor x = problem.content().clone();
  Tensor gradient(x.shape(), device);
  const auto iterate = [&] {
    objective.evaluate(x, gradient);
    lbfgs.step(x, gradient);
  };
  // Steady state, as from iteration m + 2 of a run on: the history full (m pairs; fewer only if
  // some were turned away), L-BFGS's steps stationary.
  for (int warm_up = 0; warm_up <= LbfgsOptions{}.history_size; ++warm_up) iterate();
  std::optional<CudaGraph> graph;
  if (replay_graph) graph = CudaGraph::capture(iterate);
  for (auto _ : state) {
    if (graph)
      graph->replay();
    else
      iterate();
    benchmark::DoNotOptimize(objective.read_losses());  // waits for the iteration, as a progress line does
  }
  state.SetLabel(std::to_string(x.dim(3)) + "x" + std::to_string(x.dim(2)) + " on " +
                 (device == Device::cuda ? cuda_device_description() : std::string("cpu")));
  state.counters["GFLOP/s"] = benchmark::Counter(trunk_flops(problem.taps(), x.dim(2), x.dim(3)) * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK_CAPTURE(BM_iteration, cpu, Device::cpu, false, GemmMath::fp32)
    ->Arg(256)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
#define NST_CUDA_ITERATIONS(suffix, math)                                        \
  BENCHMARK_CAPTURE(BM_iteration, cuda_##suffix, Device::cuda, false, math)      \
      ->Arg(256)                                                                 \
      ->Arg(512)                                                                 \
      ->Unit(benchmark::kMillisecond)                                            \
      ->UseRealTime();                                                           \
  BENCHMARK_CAPTURE(BM_iteration, cuda_graph_##suffix, Device::cuda, true, math) \
      ->Arg(256)                                                                 \
      ->Arg(512)                                                                 \
      ->Unit(benchmark::kMillisecond)                                            \
      ->UseRealTime()
NST_CUDA_ITERATIONS(fp32, GemmMath::fp32);
NST_CUDA_ITERATIONS(tf32, GemmMath::tf32);
NST_CUDA_ITERATIONS(tf32x3, GemmMath::tf32x3);

}  // namespace
}  // namespace nst
