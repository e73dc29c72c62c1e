// Gram matrices G = F·Fᵀ (one per image) against plain double loops and exact small-integer cases.
// (The style loss's gradient through G is checked in losses_test.cpp.)
// Bounds: a float sum of K products errs by at most K·u·Σ|products| (u = 2⁻²⁴), and in practice by
// ~√K·u·Σ|products| (BLAS blocks its sums). With |f| ≤ 1 uniform, Σ|products| ≈ K/4: K = M = H·W ≤ 256
// gives ~6e-5, so atol 1e-6·M (2.6e-4 at M = 256) with rtol 1e-5. Small-integer inputs (|f| ≤ 3) make
// every product and partial sum an integer below 2²⁴, exact in float: there the result must equal
// the reference bit for bit.
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/ops/gram.h"
#include "tests/support/cases.h"
#include "tests/support/compare.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

Shape shape_of(const ImageShape& s) { return {s.n, s.c, s.h, s.w}; }

// g[n] = F·Fᵀ, F = f[n] as C×M.
std::vector<double> gram_reference(const ImageShape& s, const std::vector<double>& f) {
  const std::int64_t c = s.c, m = s.h * s.w;
  std::vector<double> g(s.n * c * c, 0.0);
  for (std::int64_t n = 0; n < s.n; ++n)
    for (std::int64_t i = 0; i < c; ++i)
      for (std::int64_t j = 0; j < c; ++j)
        for (std::int64_t k = 0; k < m; ++k) g[(n * c + i) * c + j] += f[(n * c + i) * m + k] * f[(n * c + j) * m + k];
  return g;
}

class GramTest : public ::testing::TestWithParam<ImageShape> {};

TEST_P(GramTest, ForwardMatchesTheDefinition) {
  const ImageShape s = GetParam();
  const auto f = random_values(numel_of(shape_of(s)), 31);
  const Tensor g = ops::gram(Tensor::from_host(shape_of(s), f, Device::cpu));
  EXPECT_EQ(g.shape(), (Shape{s.n, s.c, s.c}));
  const double m = double(s.h * s.w);
  EXPECT_TRUE(all_close(g.to_host(), gram_reference(s, to_double(f)), Tolerance{1e-6 * m, 1e-5}));
}

TEST_P(GramTest, ForwardIsExactOnSmallIntegers) {
  const ImageShape s = GetParam();
  const auto f = random_integers(numel_of(shape_of(s)), 32);
  Tensor g = Tensor::filled({s.n, s.c, s.c}, std::numeric_limits<float>::quiet_NaN(), Device::cpu);
  ops::gram(Tensor::from_host(shape_of(s), f, Device::cpu), g);
  const auto g_ref = gram_reference(s, to_double(f));
  EXPECT_TRUE(all_equal(g.to_host(), std::vector<float>(g_ref.begin(), g_ref.end())));
}

INSTANTIATE_TEST_SUITE_P(AwkwardShapes, GramTest, ::testing::ValuesIn(awkward_shapes()),
                         [](const auto& test) { return describe(test.param); });

TEST(Gram, ShapeErrorsNameTheOpAndTheShapes) {
  try {
    ops::gram(Tensor::zeros({3, 4, 4}, Device::cpu));
    FAIL() << "gram of a rank-3 tensor did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gram: f has shape (3, 4, 4), expected rank 4"), std::string::npos)
        << e.what();
  }
  const Tensor f = Tensor::zeros({2, 3, 4, 4}, Device::cpu);
  Tensor g = Tensor::zeros({1, 3, 3}, Device::cpu);
  EXPECT_THROW(ops::gram(f, g), Error);
  EXPECT_THROW(ops::gram(Tensor::zeros({1, 3, 0, 4}, Device::cpu)), Error);
}

}  // namespace
}  // namespace nst::testing
