// CUDA projection onto a box of per-channel bounds, and the zeroing where bounds bind, against the
// CPU ops, on random x in [−2, 2) with channel bounds inside that range (about half the values cut),
// shapes of awkward sizes (1×1, odd H and W, batch 2 so that plane p is channel p mod C), with and
// without the step. Both compute min(max(x, lower), upper), step − (x − projected) and the
// comparisons in float, the same operations, so the results must be equal bit for bit. The outputs
// are copied over a NaN poison first: a value the kernel skipped or misplaced stays NaN or differs.
#include <cmath>

#include <gtest/gtest.h>

#include "engine/ops/box_projection.h"
#include "tests/support/compare.h"
#include "tests/support/gpu.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

class CudaBoxProjectionTest : public ::testing::TestWithParam<Shape> {};

TEST_P(CudaBoxProjectionTest, MatchesCpuBitForBit) {
  NST_REQUIRE_CUDA();
  const Shape shape = GetParam();
  const std::int64_t channels = shape[1];
  const Tensor lower = random_tensor({channels}, 81, Device::cpu, -1.0f, 0.0f);
  const Tensor upper = random_tensor({channels}, 82, Device::cpu, 0.0f, 1.0f);
  const Tensor x0 = random_tensor(shape, 83, Device::cpu, -2.0f, 2.0f), s0 = random_tensor(shape, 84);
  const Tensor gpu_lower = lower.to(Device::cuda), gpu_upper = upper.to(Device::cuda);
  for (const bool with_step : {false, true}) {
    Tensor x = x0.clone(), s = s0.clone();
    ops::project_onto_box(x, lower, upper, with_step ? &s : nullptr);
    Tensor gpu_x = cuda_copy_over_poison(x0), gpu_s = cuda_copy_over_poison(s0);
    ops::project_onto_box(gpu_x, gpu_lower, gpu_upper, with_step ? &gpu_s : nullptr);
    EXPECT_TRUE(all_equal(gpu_x.to_host(), x.to_host())) << "x, with step " << with_step;
    EXPECT_TRUE(all_equal(gpu_s.to_host(), s.to_host())) << "step, with step " << with_step;
  }
}

TEST_P(CudaBoxProjectionTest, ZeroingWhereBoundsBindMatchesCpuBitForBit) {
  NST_REQUIRE_CUDA();
  const Shape shape = GetParam();
  const std::int64_t channels = shape[1];
  const Tensor lower = random_tensor({channels}, 85, Device::cpu, -1.0f, 0.0f);
  const Tensor upper = random_tensor({channels}, 86, Device::cpu, 0.0f, 1.0f);
  Tensor x = random_tensor(shape, 87, Device::cpu, -2.0f, 2.0f);
  ops::project_onto_box(x, lower, upper);  // about half the values on a bound, as in a bounded run
  const Tensor g = random_tensor(shape, 88), v0 = random_tensor(shape, 89);
  Tensor v = v0.clone();
  ops::zero_where_bounds_bind(x, g, lower, upper, v);
  Tensor gpu_v = cuda_copy_over_poison(v0);
  ops::zero_where_bounds_bind(x.to(Device::cuda), g.to(Device::cuda), lower.to(Device::cuda), upper.to(Device::cuda),
                              gpu_v);
  EXPECT_TRUE(all_equal(gpu_v.to_host(), v.to_host()));
}

INSTANTIATE_TEST_SUITE_P(Shapes, CudaBoxProjectionTest,
                         ::testing::Values(Shape{1, 3, 1, 1}, Shape{2, 3, 5, 7}, Shape{1, 1, 33, 65},
                                           Shape{1, 3, 67, 131}, Shape{2, 5, 128, 129}));

}  // namespace
}  // namespace nst::testing
