// The memory plan of a 4000×3000 run with the full network's defaults (content relu4_2; style
// relu1_1 … relu5_1; L-BFGS, history 100; the style image 4000×2500, starry_night's size at --image-size 4000): the
// whole run's estimated peak and, under a limit, the tiles plan_tiles picks and their estimated
// peak, on the CPU and as the CUDA caching allocator would count it (layers/memory_estimate.h).
// The time is plan_tiles' own; the numbers are in the counters. Results: bench/RESULTS.md.
#include <cstdint>

#include <benchmark/benchmark.h>

#include "layers/memory_estimate.h"
#include "layers/tile_plan.h"
#include "layers/taps.h"

namespace nst {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

RunMemoryConfig full_network_run(Device device) {
  RunMemoryConfig config;
  config.image = {3000, 4000};
  config.styles = {{2500, 4000}};
  config.content_taps = parse_taps("relu4_2");
  config.style_taps = parse_taps("relu1_1,relu2_1,relu3_1,relu4_1,relu5_1");
  config.optimizer = LbfgsOptions{};
  config.device = device;
  return config;
}

// state.range(0): the device (0 CPU, 1 CUDA); state.range(1): the limit in GB (10⁹ bytes, as GPUs are sold).
void BM_PlanTiles4000x3000(benchmark::State& state) {
  const RunMemoryConfig config = full_network_run(state.range(0) == 0 ? Device::cpu : Device::cuda);
  const auto limit = static_cast<std::size_t>(state.range(1)) * 1000 * 1000 * 1000;
  std::optional<TilePlan> plan;
  for (auto _ : state) {
    plan = plan_tiles(config, limit);
    benchmark::DoNotOptimize(plan);
  }
  state.counters["whole_GiB"] = static_cast<double>(estimate_run_memory(config).device_peak()) / kGiB;
  state.counters["whole_host_GiB"] = static_cast<double>(estimate_run_memory(config).host_peak()) / kGiB;
  if (plan) {
    state.counters["tiles"] = static_cast<double>(plan->tiles);
    state.counters["core"] = static_cast<double>(plan->layout.core);
    state.counters["window_h"] = static_cast<double>(plan->window.height);
    state.counters["window_w"] = static_cast<double>(plan->window.width);
    state.counters["tiled_GiB"] = static_cast<double>(plan->estimate.device_peak()) / kGiB;
    state.counters["tiled_host_GiB"] = static_cast<double>(plan->estimate.host_peak()) / kGiB;
  }
}
BENCHMARK(BM_PlanTiles4000x3000)->Args({0, 24})->Args({0, 6})->Args({1, 80})->Args({1, 24})->Iterations(1);

}  // namespace
}  // namespace nst
