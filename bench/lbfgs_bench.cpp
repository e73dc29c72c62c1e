// One L-BFGS step (layers/lbfgs.h, history m = 100, full) on an image-sized vector: the two-loop
// recursion's 2m fused update-and-dot passes plus a few vector ops, all memory bound. The history is
// filled first by m + 1 steps on the quadratic f(x) = ½ Σ d_i x_i², d_i in [1, 10⁴) from x_i in [−100, 100) (gradient
// computed on the host), as from iteration m + 2 of a style-transfer run on; the timed steps then
// reuse one gradient (the pair it offers has y = 0 and is turned away, at the same cost).
// Counter "history GB/s": the two loops read every s_i and y_i once each, 2·2m·n·4 bytes per step,
// over the step's wall time (q, which each pass also reads and writes, stays in cache on the CPU).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "engine/gpu.h"
#include "layers/lbfgs.h"
#include "tests/support/random.h"

namespace nst {
namespace {

void BM_lbfgs_step(benchmark::State& state, Device device) {
  if (device == Device::cuda && !cuda_available()) {
    state.SkipWithError(("no GPU: " + cuda_unavailable_reason()).c_str());
    return;
  }
  const std::int64_t n = 3 * state.range(0) * state.range(1);
  const std::vector<float> curvature = testing::random_values(n, 1, 1.0f, 1e4f);
  Tensor x = testing::random_tensor({n}, 2, device, -100.0f, 100.0f);
  const auto gradient_at = [&](const Tensor& at) {
    std::vector<float> g = at.to_host();
    for (std::int64_t i = 0; i < n; ++i) g[static_cast<std::size_t>(i)] *= curvature[static_cast<std::size_t>(i)];
    return Tensor::from_host({n}, g, device);
  };
  Lbfgs lbfgs;
  const int m = LbfgsOptions{}.history_size;
  for (int warm_up = 0; warm_up <= m; ++warm_up) lbfgs.step(x, gradient_at(x));
  const Tensor gradient = gradient_at(x);
  for (auto _ : state) {
    lbfgs.step(x, gradient);
    benchmark::DoNotOptimize(lbfgs.stored_pairs());  // reads the device: waits for the step
  }
  state.SetLabel(std::to_string(lbfgs.stored_pairs()) + " pairs, n = " + std::to_string(n));
  state.counters["history GB/s"] =
      benchmark::Counter(4.0 * m * double(n) * 4.0 * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK_CAPTURE(BM_lbfgs_step, cpu, Device::cpu)->Args({256, 192})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_lbfgs_step, cuda, Device::cuda)->Args({512, 384})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace nst
