// CPU vector ops and reductions against plain double loops.
// Elementwise ops are exact up to one float rounding: rtol 1e-6. Reductions accumulate in double
// and round once: rtol 1e-6 against the double reference.
#include <cmath>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/ops/vector_ops.h"
#include "tests/support/compare.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

constexpr Tolerance kElementwise{1e-7, 1e-6};

class VectorOpsTest : public ::testing::TestWithParam<std::int64_t> {};

TEST_P(VectorOpsTest, ElementwiseOpsMatchDoubleLoops) {
  const std::int64_t n = GetParam();
  const auto x = random_values(n, 1), y0 = random_values(n, 2);
  std::vector<double> axpy_ref(n), scale_ref(n), clamp_ref(n), scale_ratio_ref(n);
  const double num = 0.75, den = -1.5;
  for (std::int64_t i = 0; i < n; ++i) {
    axpy_ref[i] = y0[i] + 0.5 * x[i];
    scale_ref[i] = -2.0 * y0[i];
    clamp_ref[i] = std::min(std::max(double(y0[i]), -0.25), 0.5);
    scale_ratio_ref[i] = y0[i] * (num / den);
  }
  const Tensor tx = Tensor::from_host({n}, x, Device::cpu);
  const Tensor tnum = Tensor::filled({1}, float(num), Device::cpu), tden = Tensor::filled({1}, float(den), Device::cpu);

  Tensor t = Tensor::from_host({n}, y0, Device::cpu);
  ops::axpy(0.5f, tx, t);
  EXPECT_TRUE(all_close(t.to_host(), axpy_ref, kElementwise)) << "axpy";

  t = Tensor::from_host({n}, y0, Device::cpu);
  ops::scale(t, -2.0f);
  EXPECT_TRUE(all_close(t.to_host(), scale_ref, kElementwise)) << "scale";

  t = Tensor::from_host({n}, y0, Device::cpu);
  ops::clamp(t, -0.25f, 0.5f);
  EXPECT_TRUE(all_close(t.to_host(), clamp_ref, kElementwise)) << "clamp";

  t = Tensor::from_host({n}, y0, Device::cpu);
  ops::scale_ratio(tnum, tden, t);
  EXPECT_TRUE(all_close(t.to_host(), scale_ratio_ref, kElementwise)) << "scale_ratio";

  t = Tensor::filled({n}, 3.5f, Device::cpu);
  EXPECT_TRUE(all_close(t.to_host(), std::vector<double>(n, 3.5), kElementwise)) << "fill";
}

TEST_P(VectorOpsTest, ReductionsMatchDoubleSums) {
  const std::int64_t n = GetParam();
  const auto x = random_values(n, 3), y = random_values(n, 4);
  double dot = 0, abs_sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    dot += double(x[i]) * y[i];
    abs_sum += std::fabs(double(x[i]));
  }
  const Tensor tx = Tensor::from_host({n}, x, Device::cpu), ty = Tensor::from_host({n}, y, Device::cpu);
  const Tolerance tol{1e-6, 1e-6};
  EXPECT_TRUE(all_close(ops::dot(tx, ty).to_host(), std::vector<double>{dot}, tol)) << "dot";
  EXPECT_TRUE(all_close(ops::asum(tx).to_host(), std::vector<double>{abs_sum}, tol)) << "asum";
}

// Sizes: one element, odd, just past a reduction block (2^14), a few blocks and a ragged tail.
INSTANTIATE_TEST_SUITE_P(Sizes, VectorOpsTest, ::testing::Values(1, 7, 257, 16385, 100003));

TEST(VectorOps, ReductionIsDeterministic) {
  const Tensor x = random_tensor({1 << 20}, 5);
  EXPECT_EQ(ops::asum(x).item(), ops::asum(x).item());
}

TEST(VectorOps, ErrorsNameTheOpAndTheShapes) {
  const Tensor a = Tensor::zeros({3}, Device::cpu);
  Tensor b = Tensor::zeros({4}, Device::cpu);
  try {
    ops::axpy(1.0f, a, b);
    FAIL() << "axpy of mismatched sizes did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("axpy: element counts differ, (3,) vs (4,)"), std::string::npos) << e.what();
  }
  Tensor y = Tensor::zeros({2}, Device::cpu);
  EXPECT_THROW(ops::clamp(y, 1.0f, 0.0f), Error);
}

}  // namespace
}  // namespace nst::testing
