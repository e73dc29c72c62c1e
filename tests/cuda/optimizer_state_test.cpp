// Optimizer state on the GPU (layers/optimizer_state.h): an optimizer stopped after k steps on
// CUDA, its state exported to the host and imported into a fresh one on CUDA, continues with the
// bits of one that never stopped (the CUDA run is deterministic: same inputs, same bits), and is
// as ready to be recorded as a CUDA graph. The problem is tests/cpu/optimizer_state_test.cpp's
// rippled bowl, Σ ½x_i² + 3·sin(2x_i), in 257 dimensions; its gradient is computed on the host.
#include <cmath>
#include <functional>
#include <vector>

#include <gtest/gtest.h>

#include "engine/cuda_graph.h"
#include "layers/adam.h"
#include "layers/lbfgs.h"
#include "tests/support/compare.h"
#include "tests/support/emulated_gpu.h"
#include "tests/support/gpu.h"

namespace nst::testing {
namespace {

constexpr std::int64_t kSize = 257;
// Under the emulator an L-BFGS step of history 3 takes seconds: fewer steps and stops there.
const int kSteps = gpu_or_emulated(12, 5);
const std::vector<int> kStops = gpu_or_emulated(std::vector<int>{0, 1, 2, 5, 9}, std::vector<int>{3});

Tensor start() {
  std::vector<float> x(kSize);
  for (std::int64_t i = 0; i < kSize; ++i) x[i] = -2.0f + static_cast<float>(i) / kSize;
  return Tensor::from_host({kSize}, x, Device::cuda);
}

void take_steps(Optimizer& optimizer, Tensor& x, int steps) {
  for (int k = 0; k < steps; ++k) {
    std::vector<float> g = x.to_host();
    for (float& v : g) v = v + 6.0f * std::cos(2.0f * v);
    optimizer.step(x, Tensor::from_host(x.shape(), g, Device::cuda));
  }
}

template <class Make>
void expect_resumes_exactly(Make make, int total) {
  auto whole = make();
  Tensor x_whole = start();
  take_steps(whole, x_whole, total);
  for (const int stop : kStops) {
    auto first = make();
    Tensor x = start();
    take_steps(first, x, stop);
    auto second = make();
    second.import_state(first.export_state(), x);
    EXPECT_EQ(second.next_step_is_stationary(), first.next_step_is_stationary()) << "stopped after " << stop;
    take_steps(second, x, total - stop);
    EXPECT_TRUE(all_equal(x.to_host(), x_whole.to_host())) << "stopped after " << stop;
  }
}

TEST(CudaOptimizerState, LbfgsResumedOnTheGpuTakesTheSameSteps) {
  NST_REQUIRE_CUDA();
  expect_resumes_exactly([] { return Lbfgs({/*history_size=*/3, /*learning_rate=*/0.5f}); }, kSteps);
}

TEST(CudaOptimizerState, AdamResumedOnTheGpuTakesTheSameSteps) {
  NST_REQUIRE_CUDA();
  expect_resumes_exactly(
      [] {
        AdamOptions options;
        options.learning_rate = 0.1f;
        return Adam(options);
      },
      kSteps);
}

// With --cuda-graph the steps after the second are replays of one recorded step, which leave L-BFGS's
// host step count at 3 while the ring fills: the state exported after them must still import and
// continue with the bits of a run that never stopped. Gradient of ½‖x‖², g = x, on the device.
TEST(CudaOptimizerState, LbfgsExportedAfterGraphReplaysResumes) {
  NST_REQUIRE_CUDA();
  Tensor gradient({kSize}, Device::cuda);
  const auto eager_steps = [&](Lbfgs& lbfgs, Tensor& x, int steps) {
    for (int k = 0; k < steps; ++k) {
      gradient.copy_from(x);
      lbfgs.step(x, gradient);
    }
  };
  const LbfgsOptions options{/*history_size=*/3, /*learning_rate=*/0.5f};
  Lbfgs whole(options);
  Tensor x_whole = start();
  eager_steps(whole, x_whole, 6);

  Lbfgs replayed(options);
  Tensor x = start();
  eager_steps(replayed, x, 2);
  CudaGraph graph = CudaGraph::capture([&] { eager_steps(replayed, x, 1); });
  for (int k = 0; k < 2; ++k) graph.replay();  // steps 3-4: 3 pairs kept, the host count at 3
  Lbfgs resumed(options);
  resumed.import_state(replayed.export_state(), x);
  EXPECT_EQ(resumed.stored_pairs(), 3);
  eager_steps(resumed, x, 2);
  EXPECT_TRUE(all_equal(x.to_host(), x_whole.to_host()));
}

}  // namespace
}  // namespace nst::testing
