// ReLU against plain double loops and finite differences.
// max(x, 0) and the routing of dy are exact in float: the forward and backward must equal the
// reference bit for bit. Finite differences of the piecewise-linear L = Σ max(x,0)·r are exact up
// to rounding (~1e-9 here) away from the kink; coordinates with |x| < 1e-3 (where x ± h could cross
// 0) are skipped, and the bound is 1e-6.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/ops/activation.h"
#include "tests/support/cases.h"
#include "tests/support/compare.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

Shape shape_of(const ImageShape& s) { return {s.n, s.c, s.h, s.w}; }

class ReluTest : public ::testing::TestWithParam<ImageShape> {};

TEST_P(ReluTest, ForwardAndBackwardMatchTheDefinition) {
  const Shape shape = shape_of(GetParam());
  const std::int64_t n = numel_of(shape);
  const auto x = random_values(n, 11), dy = random_values(n, 12);
  std::vector<double> y_ref(n), dx_ref(n);
  for (std::int64_t i = 0; i < n; ++i) {
    y_ref[i] = x[i] > 0 ? x[i] : 0.0;
    dx_ref[i] = x[i] > 0 ? dy[i] : 0.0;
  }
  const Tensor tx = Tensor::from_host(shape, x, Device::cpu);
  const Tensor y = ops::relu(tx);
  EXPECT_TRUE(all_close(y.to_host(), y_ref, Tolerance{0.0, 0.0})) << "forward";
  const Tensor tdy = Tensor::from_host(shape, dy, Device::cpu);
  // Given ReLU's output or its input, the backward is the same.
  EXPECT_TRUE(all_close(ops::relu_backward(y, tdy).to_host(), dx_ref, Tolerance{0.0, 0.0})) << "backward from y";
  EXPECT_TRUE(all_close(ops::relu_backward(tx, tdy).to_host(), dx_ref, Tolerance{0.0, 0.0})) << "backward from x";
}

TEST_P(ReluTest, BackwardMatchesFiniteDifferences) {
  const Shape shape = shape_of(GetParam());
  const std::int64_t n = numel_of(shape);
  const auto x = random_values(n, 13), r = random_values(n, 14);
  const Tensor dx =
      ops::relu_backward(Tensor::from_host(shape, x, Device::cpu), Tensor::from_host(shape, r, Device::cpu));
  const auto loss = [&r](const std::vector<double>& xd) {
    std::vector<double> y(xd.size());
    for (std::size_t i = 0; i < xd.size(); ++i) y[i] = xd[i] > 0 ? xd[i] : 0.0;
    return weighted_sum(y, r);
  };
  const auto near_kink = [&x](std::size_t k) { return std::fabs(x[k]) < 1e-3f; };
  EXPECT_TRUE(gradient_matches(loss, to_double(x), dx.to_host(), 1e-6, {}, near_kink));
}

INSTANTIATE_TEST_SUITE_P(AwkwardShapes, ReluTest, ::testing::ValuesIn(awkward_shapes()),
                         [](const auto& test) { return describe(test.param); });

TEST(Relu, ShapeErrorsNameTheOpAndTheShapes) {
  const Tensor x = Tensor::zeros({1, 3, 4, 4}, Device::cpu);
  Tensor y = Tensor::zeros({1, 3, 4, 5}, Device::cpu);
  try {
    ops::relu(x, y);
    FAIL() << "relu into a tensor of another shape did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("relu: y has shape (1, 3, 4, 5), expected (1, 3, 4, 4)"), std::string::npos)
        << e.what();
  }
  const Tensor dy = Tensor::zeros({1, 3, 4}, Device::cpu);
  EXPECT_THROW(ops::relu_backward(x, dy), Error);
}

}  // namespace
}  // namespace nst::testing
