// 2×2, stride-2 max and average pooling against plain double loops and finite differences.
// Exact results: the max, its routing of dy and avg's dy/4 (a power-of-two scale) must equal the
// reference bit for bit. Avg forward: ((a+b)+(c+d))·¼ rounds three sums of magnitude ≤ 4 (|x| ≤ 1),
// an error ≤ 8·2⁻²⁴·¼ ≈ 1.2e-7: atol 2e-7. Finite differences of these piecewise-linear losses are
// exact up to rounding (~1e-9) away from ties: bound 1e-6, with windows whose two largest values
// are within 1e-3 skipped (x ± h, h = 1e-5, could reorder them).
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/ops/pool2d.h"
#include "tests/support/cases.h"
#include "tests/support/compare.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

using ops::PoolKind;

// Pooling a 2×2 window needs H, W ≥ 2: the awkward shapes that have one.
std::vector<ImageShape> poolable_shapes() {
  std::vector<ImageShape> shapes;
  for (const ImageShape& s : awkward_shapes())
    if (s.h >= 2 && s.w >= 2) shapes.push_back(s);
  return shapes;
}

// The naive reference: for each output, the flat indices of its window in row-major order.
struct Windows {
  ImageShape s;
  std::int64_t oh, ow;
  explicit Windows(const ImageShape& shape) : s(shape), oh(shape.h / 2), ow(shape.w / 2) {}
  std::int64_t outputs() const { return s.n * s.c * oh * ow; }
  std::vector<std::size_t> window(std::int64_t o) const {
    const std::int64_t q = o / (oh * ow), i = (o / ow) % oh, j = o % ow;
    const std::int64_t top = (q * s.h + 2 * i) * s.w + 2 * j;
    return {std::size_t(top), std::size_t(top + 1), std::size_t(top + s.w), std::size_t(top + s.w + 1)};
  }
  // The window holding flat input index k, or -1 for the dropped last row/column of an odd input.
  std::int64_t window_of(std::int64_t k) const {
    const std::int64_t q = k / (s.h * s.w), r = (k / s.w) % s.h, col = k % s.w;
    if (r / 2 >= oh || col / 2 >= ow) return -1;
    return (q * oh + r / 2) * ow + col / 2;
  }
};

std::vector<double> max_pool_reference(const Windows& win, const std::vector<double>& x) {
  std::vector<double> y(win.outputs());
  for (std::int64_t o = 0; o < win.outputs(); ++o) {
    double best = -std::numeric_limits<double>::infinity();
    for (const std::size_t k : win.window(o)) best = std::max(best, x[k]);
    y[o] = best;
  }
  return y;
}

std::vector<double> avg_pool_reference(const Windows& win, const std::vector<double>& x) {
  std::vector<double> y(win.outputs(), 0.0);
  for (std::int64_t o = 0; o < win.outputs(); ++o)
    for (const std::size_t k : win.window(o)) y[o] += x[k] / 4.0;
  return y;
}

Shape shape_of(const ImageShape& s) { return {s.n, s.c, s.h, s.w}; }

class Pool2dTest : public ::testing::TestWithParam<ImageShape> {};

TEST_P(Pool2dTest, ForwardMatchesTheDefinition) {
  const ImageShape s = GetParam();
  const Windows win(s);
  const auto x = random_values(numel_of(shape_of(s)), 21);
  const Tensor tx = Tensor::from_host(shape_of(s), x, Device::cpu);
  const Tensor y_max = ops::pool2d(PoolKind::max, tx), y_avg = ops::pool2d(PoolKind::avg, tx);
  EXPECT_EQ(y_max.shape(), (Shape{s.n, s.c, s.h / 2, s.w / 2}));
  EXPECT_TRUE(all_close(y_max.to_host(), max_pool_reference(win, to_double(x)), Tolerance{0.0, 0.0})) << "max";
  EXPECT_TRUE(all_close(y_avg.to_host(), avg_pool_reference(win, to_double(x)), Tolerance{2e-7, 0.0})) << "avg";
}

TEST_P(Pool2dTest, MaxBackwardRoutesDyToTheFirstMaximum) {
  const ImageShape s = GetParam();
  const Windows win(s);
  const auto x = random_values(numel_of(shape_of(s)), 22), dy = random_values(win.outputs(), 23);
  std::vector<double> dx_ref(x.size(), 0.0);
  for (std::int64_t o = 0; o < win.outputs(); ++o) {
    const auto window = win.window(o);
    std::size_t best = window[0];
    for (const std::size_t k : window)
      if (x[k] > x[best]) best = k;
    dx_ref[best] = dy[o];
  }
  const Tensor dx = ops::pool2d_backward(PoolKind::max, Tensor::from_host(shape_of(s), x, Device::cpu),
                                         Tensor::from_host({s.n, s.c, s.h / 2, s.w / 2}, dy, Device::cpu));
  EXPECT_TRUE(all_close(dx.to_host(), dx_ref, Tolerance{0.0, 0.0}));
}

TEST_P(Pool2dTest, MaxBackwardMatchesFiniteDifferences) {
  const ImageShape s = GetParam();
  const Windows win(s);
  const auto x = random_values(numel_of(shape_of(s)), 24), r = random_values(win.outputs(), 25);
  const Tensor dx = ops::pool2d_backward(PoolKind::max, Tensor::from_host(shape_of(s), x, Device::cpu),
                                         Tensor::from_host({s.n, s.c, s.h / 2, s.w / 2}, r, Device::cpu));
  const auto loss = [&](const std::vector<double>& xd) { return weighted_sum(max_pool_reference(win, xd), r); };
  const auto in_near_tie = [&](std::size_t k) {
    const std::int64_t o = win.window_of(std::int64_t(k));
    if (o < 0) return false;
    std::vector<float> values;
    for (const std::size_t i : win.window(o)) values.push_back(x[i]);
    std::sort(values.begin(), values.end());
    return values[3] - values[2] < 1e-3f;
  };
  EXPECT_TRUE(gradient_matches(loss, to_double(x), dx.to_host(), 1e-6, {}, in_near_tie));
}

TEST_P(Pool2dTest, AvgBackwardMatchesFiniteDifferences) {
  const ImageShape s = GetParam();
  const Windows win(s);
  const auto x = random_values(numel_of(shape_of(s)), 26), r = random_values(win.outputs(), 27);
  const Tensor dx = ops::pool2d_backward(PoolKind::avg, Tensor::from_host(shape_of(s), x, Device::cpu),
                                         Tensor::from_host({s.n, s.c, s.h / 2, s.w / 2}, r, Device::cpu));
  const auto loss = [&](const std::vector<double>& xd) { return weighted_sum(avg_pool_reference(win, xd), r); };
  EXPECT_TRUE(gradient_matches(loss, to_double(x), dx.to_host(), 1e-6));
}

INSTANTIATE_TEST_SUITE_P(AwkwardShapes, Pool2dTest, ::testing::ValuesIn(poolable_shapes()),
                         [](const auto& test) { return describe(test.param); });

TEST(Pool2d, MaxTiesGoToTheFirstInRowMajorOrder) {
  // Three windows side by side (rows 0-1): all equal; a tie in the top row's right and the bottom
  // right; a tie along the bottom row.
  const std::vector<float> x = {5, 5, 1, 3, 0, 1,  //
                                5, 5, 2, 3, 2, 2};
  const Tensor tx = Tensor::from_host({1, 1, 2, 6}, x, Device::cpu);
  const Tensor dy = Tensor::from_host({1, 1, 1, 3}, {10, 20, 30}, Device::cpu);
  EXPECT_TRUE(all_equal(ops::pool2d(PoolKind::max, tx).to_host(), {5, 3, 2}));
  EXPECT_TRUE(all_equal(ops::pool2d_backward(PoolKind::max, tx, dy).to_host(), {10, 0, 0, 20, 0, 0,  //
                                                                                0, 0, 0, 0, 30, 0}));
}

TEST(Pool2d, OddSizesDropTheLastRowAndColumn) {
  // x (1, 1, 3, 5): the output (1, 1, 1, 2) sees only rows 0-1 and columns 0-3.
  const std::vector<float> x = {1,  2,  3,  4,  90,  //
                                5,  6,  7,  8,  91,  //
                                92, 93, 94, 95, 96};
  const Tensor tx = Tensor::from_host({1, 1, 3, 5}, x, Device::cpu);
  EXPECT_TRUE(all_equal(ops::pool2d(PoolKind::max, tx).to_host(), {6, 8}));
  EXPECT_TRUE(all_equal(ops::pool2d(PoolKind::avg, tx).to_host(), {3.5f, 5.5f}));
  const Tensor dy = Tensor::from_host({1, 1, 1, 2}, {1, 2}, Device::cpu);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // dx is overwritten everywhere: the dropped row and column become exact zeros, not stale NaN.
  Tensor dx = Tensor::filled({1, 1, 3, 5}, nan, Device::cpu);
  ops::pool2d_backward(PoolKind::max, tx, dy, dx);
  EXPECT_TRUE(all_equal(dx.to_host(), {0, 0, 0, 0, 0,  //
                                       0, 1, 0, 2, 0,  //
                                       0, 0, 0, 0, 0}));
  dx = Tensor::filled({1, 1, 3, 5}, nan, Device::cpu);
  ops::pool2d_backward(PoolKind::avg, tx, dy, dx);
  EXPECT_TRUE(all_equal(dx.to_host(), {0.25f, 0.25f, 0.5f, 0.5f, 0,  //
                                       0.25f, 0.25f, 0.5f, 0.5f, 0,  //
                                       0, 0, 0, 0, 0}));
}

TEST(Pool2d, ShapeErrorsNameTheOpAndTheShapes) {
  try {
    ops::pool2d(PoolKind::max, Tensor::zeros({1, 3, 1, 1}, Device::cpu));
    FAIL() << "pooling a 1x1 image did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("max_pool2d: x has shape (1, 3, 1, 1)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ops::pool2d(PoolKind::avg, Tensor::zeros({3, 4, 4}, Device::cpu)), Error);
  const Tensor x = Tensor::zeros({1, 2, 5, 4}, Device::cpu);
  Tensor y = Tensor::zeros({1, 2, 3, 2}, Device::cpu);  // ⌊5/2⌋ = 2 rows, not 3
  EXPECT_THROW(ops::pool2d(PoolKind::max, x, y), Error);
  try {
    ops::pool2d_backward(PoolKind::avg, x, Tensor::zeros({1, 2, 2, 3}, Device::cpu));
    FAIL() << "a dy of the wrong shape did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("avg_pool2d_backward: dy has shape (1, 2, 2, 3), expected (1, 2, 2, 2)"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nst::testing
