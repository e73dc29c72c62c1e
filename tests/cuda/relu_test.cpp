// CUDA ReLU against the CPU op, on fresh inputs, the CUDA output poisoned with NaN first so that an
// element the kernel never writes fails. Both directions are selections (x or 0, dy or 0) with no
// arithmetic, so the bound is bit-for-bit equality. Inputs are small integers in [−2, 2], so a fifth
// of them sit exactly on the kink at 0, where both backends must pick 0.
#include <cmath>

#include <gtest/gtest.h>

#include "engine/ops/activation.h"
#include "tests/support/compare.h"
#include "tests/support/gpu.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

class CudaReluTest : public ::testing::TestWithParam<std::int64_t> {};

TEST_P(CudaReluTest, ForwardMatchesCpuBitForBit) {
  NST_REQUIRE_CUDA();
  const std::int64_t n = GetParam();
  for (const Tensor& x : {integer_tensor({n}, 21, -2, 2), random_tensor({n}, 22)}) {
    Tensor y = Tensor::filled({n}, NAN, Device::cuda);
    ops::relu(x.to(Device::cuda), y);
    EXPECT_TRUE(all_equal(y.to_host(), ops::relu(x).to_host()));
  }
}

TEST_P(CudaReluTest, BackwardMatchesCpuBitForBit) {
  NST_REQUIRE_CUDA();
  const std::int64_t n = GetParam();
  const Tensor y = integer_tensor({n}, 23, -2, 2), dy = random_tensor({n}, 24);
  Tensor dx = Tensor::filled({n}, NAN, Device::cuda);
  ops::relu_backward(y.to(Device::cuda), dy.to(Device::cuda), dx);
  EXPECT_TRUE(all_equal(dx.to_host(), ops::relu_backward(y, dy).to_host()));
}

// 1 element; fewer than a warp; not a multiple of the block; more elements than the grid-stride
// grid covers in one sweep (4096 blocks × 256 threads = 1 048 576).
INSTANTIATE_TEST_SUITE_P(Sizes, CudaReluTest, ::testing::Values(1, 7, 257, 65537, 1048576 + 1001));

}  // namespace
}  // namespace nst::testing
