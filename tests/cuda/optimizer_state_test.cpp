// Optimizer state on the GPU (layers/optimizer_state.h): an optimizer stopped after k steps on
// CUDA, its state exported to the host and imported into a fresh one on CUDA, continues with the
// bits of one that never stopped (the CUDA run is deterministic: same inputs, same bits), and is
// as ready to be recorded as a CUDA graph. The problem is tests/cpu/optimizer_state_test.cpp's
// rippled bowl, Σ ½x_i² + 3·sin(2x_i), in 257 dimensions; its gradient is computed on the host.
#include <cmath>
#include <functional>
#include <vector>

#include <gtest/gtest.h>

#include "layers/adam.h"
#include "layers/lbfgs.h"
#include "tests/support/compare.h"
#include "tests/support/gpu.h"

namespace nst::testing {
namespace {

constexpr std::int64_t kSize = 257;

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
  for (const int stop : {0, 1, 2, 5, 9}) {
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
  expect_resumes_exactly([] { return Lbfgs({/*history_size=*/3, /*learning_rate=*/0.5f}); }, 12);
}

TEST(CudaOptimizerState, AdamResumedOnTheGpuTakesTheSameSteps) {
  NST_REQUIRE_CUDA();
  expect_resumes_exactly(
      [] {
        AdamOptions options;
        options.learning_rate = 0.1f;
        return Adam(options);
      },
      12);
}

}  // namespace
}  // namespace nst::testing
