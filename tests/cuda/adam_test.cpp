// CUDA Adam step against the CPU op on fresh random state (g, m in [−1, 1), v in [0.1, 1), x in
// [−1, 1)), the CUDA outputs m, v, x starting from that state copied over a NaN poison.
// Bound: each of m, v and x is a handful of float operations on values of order 1 in the CPU's
// order, with the same float bias corrections (computed in double on the host from t); the GPU may
// fuse a multiply and an add into one rounding (FMA) and its sqrtf and division are correctly
// rounded like the CPU's. m and v then differ by a few 2⁻²⁴ (≤ 2e-7); m̂ = m/(1 − β1^t) by ≤ 2e-6
// (1 − β1^t ≥ 0.1); the update lr·m̂/(√v̂ + ε), with √v̂ ≥ 5 here and lr = 0.05, by < 1e-7; and
// x by that plus its own last rounding: |cuda − cpu| ≤ 2e-7 + 1e-6·|cpu| for all three.
// t = 1 and t = 3 take different bias corrections; two steps in a row check the state carried over.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "engine/ops/adam.h"
#include "tests/support/compare.h"
#include "tests/support/gpu.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

constexpr Tolerance kAdam{2e-7, 1e-6};

// m, v and x on one device.
struct AdamState {
  Tensor m, v, x;
};

class CudaAdamTest : public ::testing::TestWithParam<std::int64_t> {};

TEST_P(CudaAdamTest, StepsMatchCpu) {
  NST_REQUIRE_CUDA();
  const std::int64_t n = GetParam();
  AdamState cpu{random_tensor({n}, 61), random_tensor({n}, 62, Device::cpu, 0.1f, 1.0f), random_tensor({n}, 63)};
  AdamState gpu{cuda_copy_over_poison(cpu.m), cuda_copy_over_poison(cpu.v), cuda_copy_over_poison(cpu.x)};
  AdamParams params;
  params.learning_rate = 0.05f;

  for (const std::int64_t step : {1, 3}) {
    params.step = step;
    const Tensor grad = random_tensor({n}, 64 + std::uint64_t(step));
    ops::adam_step(params, grad, cpu.m, cpu.v, cpu.x);
    ops::adam_step(params, grad.to(Device::cuda), gpu.m, gpu.v, gpu.x);
    EXPECT_TRUE(all_close(gpu.m.to_host(), cpu.m.to_host(), kAdam)) << "m after t = " << step;
    EXPECT_TRUE(all_close(gpu.v.to_host(), cpu.v.to_host(), kAdam)) << "v after t = " << step;
    EXPECT_TRUE(all_close(gpu.x.to_host(), cpu.x.to_host(), kAdam)) << "x after t = " << step;
  }
}

// 1 element; not a multiple of the block; a 3×512×512 image, more than one grid-stride sweep.
INSTANTIATE_TEST_SUITE_P(Sizes, CudaAdamTest, ::testing::Values(1, 257, 3 * 512 * 512));

}  // namespace
}  // namespace nst::testing
