// Content, style and total-variation losses and their backwards against plain double loops and
// finite differences.
// Values: each loss sums in double and rounds once to float, so it is within 2⁻²⁴ of the double
// reference computed from the same float inputs: rtol 1e-6.
// Backwards must ADD weight·gradient: each starts from a random non-zero df0 with a weight ≠ 1 and
// is checked against finite differences of L'(x) = weight·L(x) + Σ df0·x, whose gradient is exactly
// what df should hold afterwards. Content and TV: a few float roundings of O(1) values (~1e-7),
// finite-difference rounding ~1e-8: bound 1e-6. Style: float G − A and a float GEMM over C ≤ 33
// terms err by at most ~C·2⁻²⁴ ≈ 2e-6 relative: bound 1e-5. The style weight C²·M makes
// weight·dL/dF ≈ ¼·√(C/M), of order 0.1, so the bound tests the gradient and not just df0.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/ops/gram.h"
#include "engine/ops/losses.h"
#include "tests/support/cases.h"
#include "tests/support/compare.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

Shape shape_of(const ImageShape& s) { return {s.n, s.c, s.h, s.w}; }

// L'(x) = weight·L(x) + Σ df0·x: its gradient is df0 + weight·dL/dx.
ScalarFunction added_to(const std::vector<float>& df0, double weight, ScalarFunction loss) {
  return [df0, weight, loss](const std::vector<double>& x) { return weight * loss(x) + weighted_sum(x, df0); };
}

double content_reference(const std::vector<double>& f, const std::vector<float>& p) {
  double s = 0.0;
  for (std::size_t i = 0; i < f.size(); ++i) s += 0.5 * (f[i] - p[i]) * (f[i] - p[i]);
  return s;
}

// ½ Σ over horizontal and vertical neighbour pairs of (x_b − x_a)².
double tv_reference(const ImageShape& s, const std::vector<double>& x) {
  double total = 0.0;
  for (std::int64_t q = 0; q < s.n * s.c; ++q)
    for (std::int64_t r = 0; r < s.h; ++r)
      for (std::int64_t j = 0; j < s.w; ++j) {
        const double here = x[(q * s.h + r) * s.w + j];
        if (j + 1 < s.w) total += 0.5 * std::pow(x[(q * s.h + r) * s.w + j + 1] - here, 2);
        if (r + 1 < s.h) total += 0.5 * std::pow(x[(q * s.h + r + 1) * s.w + j] - here, 2);
      }
  return total;
}

// Σ (F·Fᵀ − A)² / (2CM)² for one image's features F (C, M).
double style_reference(std::int64_t c, std::int64_t m, const std::vector<double>& f, const std::vector<float>& a) {
  double s = 0.0;
  for (std::int64_t i = 0; i < c; ++i)
    for (std::int64_t j = 0; j < c; ++j) {
      double g = 0.0;
      for (std::int64_t k = 0; k < m; ++k) g += f[i * m + k] * f[j * m + k];
      s += (g - a[i * c + j]) * (g - a[i * c + j]);
    }
  return s / std::pow(2.0 * double(c) * double(m), 2);
}

float loss_value(const std::function<void(Tensor&)>& compute) {
  Tensor loss = Tensor::filled({1}, std::nanf(""), Device::cpu);
  compute(loss);
  return loss.item();
}

class LossesTest : public ::testing::TestWithParam<ImageShape> {};

TEST_P(LossesTest, ContentLossAndItsGradient) {
  const ImageShape s = GetParam();
  const std::int64_t n = numel_of(shape_of(s));
  const auto f = random_values(n, 41), p = random_values(n, 42), df0 = random_values(n, 43);
  const Tensor tf = Tensor::from_host(shape_of(s), f, Device::cpu), tp = Tensor::from_host(shape_of(s), p, Device::cpu);
  const float value = loss_value([&](Tensor& loss) { ops::content_loss(tf, tp, loss); });
  EXPECT_TRUE(all_close({value}, std::vector<double>{content_reference(to_double(f), p)}, Tolerance{0.0, 1e-6}));

  const float weight = 0.7f;
  Tensor df = Tensor::from_host(shape_of(s), df0, Device::cpu);
  ops::content_loss_backward(tf, tp, weight, df);
  const auto loss = [&p](const std::vector<double>& x) { return content_reference(x, p); };
  EXPECT_TRUE(gradient_matches(added_to(df0, weight, loss), to_double(f), df.to_host(), 1e-6));
}

TEST_P(LossesTest, TotalVariationAndItsGradient) {
  const ImageShape s = GetParam();
  const std::int64_t n = numel_of(shape_of(s));
  const auto x = random_values(n, 44), df0 = random_values(n, 45);
  const Tensor tx = Tensor::from_host(shape_of(s), x, Device::cpu);
  const float value = loss_value([&](Tensor& loss) { ops::tv_loss(tx, loss); });
  EXPECT_TRUE(all_close({value}, std::vector<double>{tv_reference(s, to_double(x))}, Tolerance{0.0, 1e-6}));

  const float weight = 0.3f;
  Tensor dx = Tensor::from_host(shape_of(s), df0, Device::cpu);
  ops::tv_loss_backward(tx, weight, dx);
  const auto loss = [&s](const std::vector<double>& xd) { return tv_reference(s, xd); };
  EXPECT_TRUE(gradient_matches(added_to(df0, weight, loss), to_double(x), dx.to_host(), 1e-6));
}

TEST_P(LossesTest, StyleLossAndItsGradient) {
  const ImageShape s{1, GetParam().c, GetParam().h, GetParam().w};  // style losses take one image
  const std::int64_t c = s.c, m = s.h * s.w, n = c * m;
  const auto f = random_values(n, 46), df0 = random_values(n, 47);
  const Tensor tf = Tensor::from_host(shape_of(s), f, Device::cpu);
  const Tensor g = ops::gram(tf);
  const Tensor a = ops::gram(random_tensor(shape_of(s), 48));  // a target Gram: symmetric, like G
  const auto g_host = g.to_host(), a_host = a.to_host();

  double squares = 0.0;
  for (std::int64_t i = 0; i < c * c; ++i) squares += std::pow(double(g_host[i]) - a_host[i], 2);
  const double expected = squares / std::pow(2.0 * double(c) * double(m), 2);
  const float value = loss_value([&](Tensor& loss) { ops::style_loss(tf, g, a, loss); });
  EXPECT_TRUE(all_close({value}, std::vector<double>{expected}, Tolerance{0.0, 1e-6}));

  const auto weight = float(c * c * m);
  Tensor df = Tensor::from_host(shape_of(s), df0, Device::cpu);
  ops::style_loss_backward(tf, g, a, weight, df);
  const auto loss = [&](const std::vector<double>& x) { return style_reference(c, m, x, a_host); };
  EXPECT_TRUE(gradient_matches(added_to(df0, weight, loss), to_double(f), df.to_host(), 1e-5));
}

INSTANTIATE_TEST_SUITE_P(AwkwardShapes, LossesTest, ::testing::ValuesIn(awkward_shapes()),
                         [](const auto& test) { return describe(test.param); });

TEST(Losses, ShapeErrorsNameTheOpAndTheShapes) {
  const Tensor f = Tensor::zeros({1, 3, 4, 4}, Device::cpu);
  Tensor loss = Tensor::zeros({1}, Device::cpu);
  try {
    ops::content_loss(f, Tensor::zeros({1, 3, 4, 5}, Device::cpu), loss);
    FAIL() << "content_loss of different sizes did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("content_loss: element counts differ, (1, 3, 4, 4) vs (1, 3, 4, 5)"),
              std::string::npos)
        << e.what();
  }
  Tensor two = Tensor::zeros({2}, Device::cpu);
  EXPECT_THROW(ops::content_loss(f, f, two), Error);
  Tensor df_wrong = Tensor::zeros({1, 3, 16}, Device::cpu);
  EXPECT_THROW(ops::content_loss_backward(f, f, 1.0f, df_wrong), Error);

  const Tensor g = Tensor::zeros({1, 3, 3}, Device::cpu);
  try {
    ops::style_loss(f, g, Tensor::zeros({1, 4, 4}, Device::cpu), loss);
    FAIL() << "style_loss with a target Gram of the wrong size did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("style_loss: a has shape (1, 4, 4), expected (1, 3, 3)"), std::string::npos)
        << e.what();
  }
  const Tensor two_images = Tensor::zeros({2, 3, 4, 4}, Device::cpu);
  Tensor df = Tensor::zeros({2, 3, 4, 4}, Device::cpu);
  EXPECT_THROW(ops::style_loss_backward(two_images, g, g, 1.0f, df), Error);

  try {
    ops::tv_loss(Tensor::zeros({3, 4, 4}, Device::cpu), loss);
    FAIL() << "tv_loss of a rank-3 tensor did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("tv_loss: x has shape (3, 4, 4), expected rank 4"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(ops::tv_loss_backward(f, 1.0f, df), Error);
}

}  // namespace
}  // namespace nst::testing
