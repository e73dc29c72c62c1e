// CUDA content, style and total-variation losses and their backwards against the CPU ops, on fresh
// inputs of awkward shapes and real VGG19 ones; CUDA outputs poisoned with NaN first, and each
// backward (which ADDS weight·gradient) started from a known random df0 copied over the poison.
// Loss values: the CPU sums in double and rounds once; the GPU sums float terms over a fixed tree
// (≤ 4 elements per thread here, then 8 warp/block levels, then 512 partials): for terms of one sign
// its relative error is at most ~(depth ≈ 30)·2⁻²⁴ ≈ 2e-6, so rtol 1e-5. The same input must give
// the same bits on a second call (the reduction order is fixed).
// Content and TV backwards: a few float operations on values of order 1, done in the CPU's order;
// only the final weight·grad + df0 may be fused into one rounding (FMA) on the GPU: ≤ 2⁻²⁴·|df|
// apart, so |cuda − cpu| ≤ 1e-6 + 1e-6·|cpu|.
// Style backward: a GEMM over K = C with (G − A) formed on the fly; per element
// |cuda − cpu| ≤ 1e-5·(|df0| + w·4/(2CM)²·Σ_k |G − A|[i,k]·|F[k,m]|) + 1e-6, the same GEMM on
// absolute values, for the reasons given in gram_test.cpp (K ≤ 256 here: √K·2⁻²⁴ ≈ 1e-6); in each
// math of the GEMM (kernels/gemm_math.h), 1e-5 becomes that math's bound (tests/support/gemm_maths.h).
#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "engine/ops/gram.h"
#include "engine/ops/losses.h"
#include "tests/support/cases.h"
#include "tests/support/compare.h"
#include "tests/support/emulated_gpu.h"
#include "tests/support/gemm_maths.h"
#include "tests/support/gpu.h"
#include "tests/support/random.h"
#include "tests/support/rounding_bound.h"

namespace nst::testing {
namespace {

constexpr Tolerance kLossValue{0.0, 1e-5};
constexpr Tolerance kElementwiseBackward{1e-6, 1e-6};

Shape shape_of(const ImageShape& s) { return {s.n, s.c, s.h, s.w}; }

// The awkward shapes and, tagged large, relu4_2 (content, 512×32×32: four sweeps of the
// reduction's 131 072-thread grid) and the 256-px image (TV, 3×256×256).
std::vector<ImageShape> loss_shapes() {
  std::vector<ImageShape> shapes = awkward_shapes();
  shapes.push_back({1, 512, 32, 32, true});
  shapes.push_back({1, 3, 256, 256, true});
  return shapes;
}

// Style works on one image: the awkward shapes with N = 1, and relu3_1 at 256 px (C = 256, M = 4096;
// M = 1024 under the emulator, tests/support/emulated_gpu.h).
std::vector<ImageShape> style_shapes() {
  std::vector<ImageShape> shapes;
  for (ImageShape s : awkward_shapes()) {
    s.n = 1;
    shapes.push_back(s);
  }
  shapes.push_back(gpu_or_emulated(vgg19_shapes_256()[2], ImageShape{1, 256, 32, 32, true}));
  return shapes;
}

Tensor poisoned_scalar() { return Tensor::filled({1}, NAN, Device::cuda); }

class CudaLossesTest : public ::testing::TestWithParam<ImageShape> {};

TEST_P(CudaLossesTest, ContentMatchesCpu) {
  NST_REQUIRE_CUDA();
  const Shape shape = shape_of(GetParam());
  const Tensor f = random_tensor(shape, 51), p = random_tensor(shape, 52), df0 = random_tensor(shape, 53);
  const Tensor gf = f.to(Device::cuda), gp = p.to(Device::cuda);
  const float weight = 0.7f;

  Tensor loss = poisoned_scalar(), expected = Tensor({1}, Device::cpu);
  ops::content_loss(gf, gp, loss);
  ops::content_loss(f, p, expected);
  EXPECT_TRUE(all_close(loss.to_host(), expected.to_host(), kLossValue)) << "value";
  Tensor again = poisoned_scalar();
  ops::content_loss(gf, gp, again);
  EXPECT_TRUE(all_equal(again.to_host(), loss.to_host())) << "repeat";

  Tensor df = cuda_copy_over_poison(df0), df_cpu = df0.clone();
  ops::content_loss_backward(gf, gp, weight, df);
  ops::content_loss_backward(f, p, weight, df_cpu);
  EXPECT_TRUE(all_close(df.to_host(), df_cpu.to_host(), kElementwiseBackward)) << "backward";
}

TEST_P(CudaLossesTest, TotalVariationMatchesCpu) {
  NST_REQUIRE_CUDA();
  const Shape shape = shape_of(GetParam());
  const Tensor x = random_tensor(shape, 54), dx0 = random_tensor(shape, 55);
  const Tensor gx = x.to(Device::cuda);
  const float weight = 0.7f;

  Tensor loss = poisoned_scalar(), expected = Tensor({1}, Device::cpu);
  ops::tv_loss(gx, loss);
  ops::tv_loss(x, expected);
  // A 1×1 image has no pairs: both losses are exactly 0, which rtol alone accepts.
  EXPECT_TRUE(all_close(loss.to_host(), expected.to_host(), kLossValue)) << "value";
  Tensor again = poisoned_scalar();
  ops::tv_loss(gx, again);
  EXPECT_TRUE(all_equal(again.to_host(), loss.to_host())) << "repeat";

  Tensor dx = cuda_copy_over_poison(dx0), dx_cpu = dx0.clone();
  ops::tv_loss_backward(gx, weight, dx);
  ops::tv_loss_backward(x, weight, dx_cpu);
  EXPECT_TRUE(all_close(dx.to_host(), dx_cpu.to_host(), kElementwiseBackward)) << "backward";
}

INSTANTIATE_TEST_SUITE_P(Shapes, CudaLossesTest, ::testing::ValuesIn(loss_shapes()),
                         [](const auto& test) { return describe(test.param); });

class CudaStyleLossTest : public ::testing::TestWithParam<ImageShape> {};

TEST_P(CudaStyleLossTest, MatchesCpu) {
  NST_REQUIRE_CUDA();
  const ImageShape s = GetParam();
  const bool relu_features = s.large;  // real features are ReLU outputs, ≥ 0
  const float lo = relu_features ? 0.0f : -1.0f;
  const Tensor f = random_tensor(shape_of(s), 56, Device::cpu, lo, 1.0f);
  const Tensor g = ops::gram(f), a = ops::gram(random_tensor(shape_of(s), 57, Device::cpu, lo, 1.0f));
  const Tensor df0 = random_tensor(shape_of(s), 58);
  const Tensor gf = f.to(Device::cuda), gg = g.to(Device::cuda), ga = a.to(Device::cuda);
  // The weight C²·M makes w·dL/dF ≈ ¼·√(C/M) (tests/cpu/losses_test.cpp): not lost beside df0.
  const float weight = float(s.c * s.c * s.h * s.w);

  Tensor loss = poisoned_scalar(), expected = Tensor({1}, Device::cpu);
  ops::style_loss(gf, gg, ga, loss);
  ops::style_loss(f, g, a, expected);
  EXPECT_TRUE(all_close(loss.to_host(), expected.to_host(), kLossValue)) << "value";
  Tensor again = poisoned_scalar();
  ops::style_loss(gf, gg, ga, again);
  EXPECT_TRUE(all_equal(again.to_host(), loss.to_host())) << "repeat";

  Tensor df_cpu = df0.clone();
  ops::style_loss_backward(f, g, a, weight, df_cpu);
  // The bound's scale: the same backward on |F|, |G − A| (with target 0) and |df0|.
  const std::vector<float> gv = g.to_host(), av = a.to_host();
  std::vector<float> difference(gv.size());
  for (std::size_t i = 0; i < gv.size(); ++i) difference[i] = gv[i] - av[i];
  Tensor scale = absolute(df0);
  ops::style_loss_backward(absolute(f), absolute(Tensor::from_host(g.shape(), difference, Device::cpu)),
                           Tensor::zeros(a.shape(), Device::cpu), weight, scale);
  // The backward's GEMM in each math, with that math's bound (tests/support/gemm_maths.h).
  for (const GemmMath math : large_case_maths()) {
    Tensor df = cuda_copy_over_poison(df0);
    ops::style_loss_backward(gf, gg, ga, weight, df, math);
    EXPECT_TRUE(within_rounding(df, df_cpu, scale, rtol_of(math))) << "backward, " << name_of(math);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, CudaStyleLossTest, ::testing::ValuesIn(style_shapes()),
                         [](const auto& test) { return describe(test.param); });

}  // namespace
}  // namespace nst::testing
