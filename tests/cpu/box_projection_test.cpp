// ops::project_onto_box and ops::zero_where_bounds_bind (kernels/box_projection.h) on cases worked
// out by hand: which channel's bounds apply to which plane (batch 2, so plane p is channel p mod C),
// values inside untouched, the cut taken from the step, which bounds bind, and the refusals. All
// values are dyadic: every result is exact.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/ops/box_projection.h"
#include "layers/channel_bounds.h"
#include "tests/support/compare.h"

namespace nst::testing {
namespace {

// x of shape (2, 2, 1, 3): planes (n, c) = (0, 0), (0, 1), (1, 0), (1, 1). Channel 0 in [0, 1],
// channel 1 in [−2, −1].
const Shape kShape{2, 2, 1, 3};
const std::vector<float> kLower{0.0f, -2.0f}, kUpper{1.0f, -1.0f};
const std::vector<float> kX{-0.5f, 0.25f, 3.0f,            // n0 c0
                            -4.0f, -1.5f, 0.0f,            // n0 c1
                            1.0f,  2.0f,  0.0f,            // n1 c0
                            -2.0f, -0.5f, -8.0f};          // n1 c1
const std::vector<float> kProjected{0.0f,  0.25f, 1.0f,    // c0: −0.5 and 3 cut
                                    -2.0f, -1.5f, -1.0f,   // c1: −4 and 0 cut
                                    1.0f,  1.0f,  0.0f,    // c0: 2 cut, the bounds themselves kept
                                    -2.0f, -1.0f, -2.0f};  // c1: −0.5 and −8 cut

Tensor host(const Shape& shape, const std::vector<float>& values) {
  return Tensor::from_host(shape, values, Device::cpu);
}

TEST(BoxProjection, ClampsEachPlaneToItsChannelsBounds) {
  Tensor x = host(kShape, kX);
  ops::project_onto_box(x, host({2}, kLower), host({2}, kUpper));
  EXPECT_TRUE(all_equal(x.to_host(), kProjected));
}

TEST(BoxProjection, TakesTheCutFromTheStep) {
  // x came from x_old + s: after the projection s must be x_new − x_old, i.e. s − (x − P(x)).
  std::vector<float> step(kX.size()), expected(kX.size());
  for (std::size_t i = 0; i < kX.size(); ++i) {
    step[i] = 0.125f * static_cast<float>(i) - 0.5f;
    expected[i] = step[i] - (kX[i] - kProjected[i]);
  }
  Tensor x = host(kShape, kX), s = host(kShape, step);
  ops::project_onto_box(x, host({2}, kLower), host({2}, kUpper), &s);
  EXPECT_TRUE(all_equal(x.to_host(), kProjected));
  EXPECT_TRUE(all_equal(s.to_host(), expected));
}

TEST(BoundActiveSet, ZeroesExactlyTheValuesHeldAtABoundThatTheGradientPushesAgainst) {
  // A value is held when it sits on (or beyond) a bound and −g points further out.
  const Shape shape{1, 2, 1, 4};
  const std::vector<float> x{0.0f,  0.0f,  1.0f,  1.0f,    // c0 in [0, 1]: on the lower, lower, upper, upper bound
                             -3.0f, -1.5f, -1.0f, -2.0f};  // c1 in [−2, −1]: beyond lower, inside, upper, lower
  const std::vector<float> g{2.0f, -2.0f, -2.0f, 2.0f,     // held (−g points below 0), free, held, free
                             4.0f, 4.0f,  0.0f,  -4.0f};   // held, free (inside), free (g = 0), free (inward)
  const std::vector<float> v{1.0f, 2.0f, 3.0f, 4.0f, 5.0f, 6.0f, 7.0f, 8.0f};
  const std::vector<float> expected{0.0f, 2.0f, 0.0f, 4.0f, 0.0f, 6.0f, 7.0f, 8.0f};
  Tensor out = host(shape, v);
  ops::zero_where_bounds_bind(host(shape, x), host(shape, g), host({2}, kLower), host({2}, kUpper), out);
  EXPECT_TRUE(all_equal(out.to_host(), expected));
}

TEST(BoxProjection, RefusesMismatchedShapes) {
  Tensor x = host(kShape, kX);
  Tensor step = Tensor::zeros({2, 2, 3, 1}, Device::cpu);
  EXPECT_THROW(ops::project_onto_box(x, host({3}, {0, 0, 0}), host({2}, kUpper)), Error);
  EXPECT_THROW(ops::project_onto_box(x, host({2}, kLower), host({2}, kUpper), &step), Error);
  Tensor flat = Tensor::zeros({12}, Device::cpu);
  EXPECT_THROW(ops::project_onto_box(flat, host({2}, kLower), host({2}, kUpper)), Error);
  Tensor v = host(kShape, kX);
  EXPECT_THROW(ops::zero_where_bounds_bind(x, step, host({2}, kLower), host({2}, kUpper), v), Error);
}

TEST(ChannelBoundsCheck, RefusesBoundsThatHoldNoValue) {
  EXPECT_THROW(BoxProjection({{}, {}}, Device::cpu), Error);
  EXPECT_THROW(BoxProjection({{0.0f, 0.0f}, {1.0f}}, Device::cpu), Error);
  EXPECT_THROW(BoxProjection({{0.0f, 2.0f}, {1.0f, 1.0f}}, Device::cpu), Error);
  EXPECT_THROW(BoxProjection({{NAN}, {1.0f}}, Device::cpu), Error);
  EXPECT_THROW(BoxProjection({{0.0f}, {INFINITY}}, Device::cpu), Error);
  const BoxProjection box({{0.0f, -2.0f}, {1.0f, -1.0f}}, Device::cpu);
  Tensor three_channels = Tensor::zeros({1, 3, 2, 2}, Device::cpu);
  EXPECT_THROW(box.project(three_channels), Error);
}

}  // namespace
}  // namespace nst::testing
