// CUDA 2×2 pooling against the CPU op, on fresh inputs of awkward shapes (odd H and W drop a row or
// column; C = 1, 3, 13, 33) and pool1 of VGG19 at 256 px, the CUDA output poisoned with NaN first.
// dx is poisoned too: the CUDA backward must overwrite all of it, the dropped row/column included.
// Bounds: max pooling and both backwards only select or scale by ¼ (exact), so they must equal the
// CPU bit for bit; that includes ties, which small-integer inputs in [0, 2] make common (most
// windows), and which both backends give to the first maximum in row-major window order. The
// average forward does three float additions and a multiplication by ¼ on values in [−1, 1]:
// |cuda − cpu| ≤ 1e-7 + 1e-6·|cpu| (it adds in the CPU's order, so it is in practice exact).
#include <cmath>

#include <gtest/gtest.h>

#include "engine/ops/pool2d.h"
#include "tests/support/cases.h"
#include "tests/support/compare.h"
#include "tests/support/gpu.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

using ops::PoolKind;

Shape shape_of(const ImageShape& s) { return {s.n, s.c, s.h, s.w}; }
Shape pooled(const ImageShape& s) { return {s.n, s.c, s.h / 2, s.w / 2}; }

// The awkward shapes that have a 2×2 window (pooling needs H, W ≥ 2), and pool1's input.
std::vector<ImageShape> pool_shapes() {
  std::vector<ImageShape> shapes;
  for (const ImageShape& s : awkward_shapes())
    if (s.h >= 2 && s.w >= 2) shapes.push_back(s);
  shapes.push_back(vgg19_shapes_256()[0]);  // 1×64×256×256
  return shapes;
}

class CudaPool2dTest : public ::testing::TestWithParam<ImageShape> {};

// The forward and backward of `kind` on x, CUDA against CPU.
void expect_pool_matches_cpu(PoolKind kind, const Tensor& x, const Tensor& dy, Tolerance forward_tol) {
  Tensor y = Tensor::filled(dy.shape(), NAN, Device::cuda);
  ops::pool2d(kind, x.to(Device::cuda), y);
  EXPECT_TRUE(all_close(y.to_host(), ops::pool2d(kind, x).to_host(), forward_tol)) << "forward";

  Tensor dx = Tensor::filled(x.shape(), NAN, Device::cuda);
  ops::pool2d_backward(kind, x.to(Device::cuda), dy.to(Device::cuda), dx);
  EXPECT_TRUE(all_equal(dx.to_host(), ops::pool2d_backward(kind, x, dy).to_host())) << "backward";
}

TEST_P(CudaPool2dTest, MaxMatchesCpuBitForBit) {
  NST_REQUIRE_CUDA();
  const ImageShape s = GetParam();
  expect_pool_matches_cpu(PoolKind::max, random_tensor(shape_of(s), 31), random_tensor(pooled(s), 32),
                          Tolerance{0.0, 0.0});
}

TEST_P(CudaPool2dTest, MaxTiesGoToTheSameElement) {
  NST_REQUIRE_CUDA();
  const ImageShape s = GetParam();
  const Tensor x = Tensor::from_host(shape_of(s), random_integers(numel_of(shape_of(s)), 33, 0, 2), Device::cpu);
  expect_pool_matches_cpu(PoolKind::max, x, random_tensor(pooled(s), 34), Tolerance{0.0, 0.0});
}

TEST_P(CudaPool2dTest, AverageMatchesCpu) {
  NST_REQUIRE_CUDA();
  const ImageShape s = GetParam();
  expect_pool_matches_cpu(PoolKind::avg, random_tensor(shape_of(s), 35), random_tensor(pooled(s), 36),
                          Tolerance{1e-7, 1e-6});
}

INSTANTIATE_TEST_SUITE_P(Shapes, CudaPool2dTest, ::testing::ValuesIn(pool_shapes()),
                         [](const auto& test) { return describe(test.param); });

}  // namespace
}  // namespace nst::testing
