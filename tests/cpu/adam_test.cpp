// Adam against a plain double implementation of Kingma & Ba's Algorithm 1, over ten steps with
// fresh gradients |g| ≤ 2. Bounds (u = 2⁻²⁴):
//   m: a step rounds β1·m, (1−β1)·g and their sum, ≤ 3·u·2 ≈ 3.6e-7, and old errors shrink by β1:
//      ≤ 3.6e-7/(1−β1) = 1.8e-6 → atol 2e-6, rtol 1e-5.
//   v: a sum of positive terms, a few roundings per step over ten steps: ≤ ~30·u ≈ 2e-6 relative
//      → rtol 1e-5.
//   x: ten roundings of |x| ≤ 1.5 (≤ 9e-7) plus each update's few-u relative error on a step of
//      ≤ ~lr = 0.05 → atol 2e-6, rtol 1e-5.
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/ops/adam.h"
#include "tests/support/compare.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

// Algorithm 1, in double, on each coordinate.
struct AdamReference {
  double lr, beta1, beta2, eps;
  std::vector<double> m, v, x;
  void step(std::int64_t t, const std::vector<float>& g) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * double(g[i]) * g[i];
      const double m_hat = m[i] / (1 - std::pow(beta1, double(t)));
      const double v_hat = v[i] / (1 - std::pow(beta2, double(t)));
      x[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  }
};

class AdamTest : public ::testing::TestWithParam<std::int64_t> {};

TEST_P(AdamTest, TenStepsMatchAlgorithmOne) {
  const std::int64_t n = GetParam();
  AdamParams params;
  params.learning_rate = 0.05f;
  params.beta1 = 0.8f;  // not the defaults, so a kernel that ignores the parameters fails
  params.beta2 = 0.99f;
  params.epsilon = 1e-6f;
  const auto x0 = random_values(n, 51);
  AdamReference ref{
      params.learning_rate,        params.beta1, params.beta2, params.epsilon, std::vector<double>(n, 0.0),
      std::vector<double>(n, 0.0), to_double(x0)};
  Tensor x = Tensor::from_host({n}, x0, Device::cpu);
  Tensor m = Tensor::zeros({n}, Device::cpu), v = Tensor::zeros({n}, Device::cpu);
  for (std::int64_t t = 1; t <= 10; ++t) {
    const auto g = random_values(n, 100 + std::uint64_t(t), -2.0f, 2.0f);
    params.step = t;
    ops::adam_step(params, Tensor::from_host({n}, g, Device::cpu), m, v, x);
    ref.step(t, g);
  }
  EXPECT_TRUE(all_close(m.to_host(), ref.m, Tolerance{2e-6, 1e-5})) << "first moment";
  EXPECT_TRUE(all_close(v.to_host(), ref.v, Tolerance{0.0, 1e-5})) << "second moment";
  EXPECT_TRUE(all_close(x.to_host(), ref.x, Tolerance{2e-6, 1e-5})) << "parameters";
}

INSTANTIATE_TEST_SUITE_P(Sizes, AdamTest, ::testing::Values(1, 7, 1000));

TEST(Adam, ErrorsNameTheOpAndTheShapes) {
  Tensor x = Tensor::zeros({2, 3}, Device::cpu), m = Tensor::zeros({2, 3}, Device::cpu);
  Tensor v = Tensor::zeros({6}, Device::cpu);
  const Tensor g = Tensor::zeros({2, 3}, Device::cpu);
  try {
    ops::adam_step(AdamParams{}, g, m, v, x);
    FAIL() << "adam_step with v of another shape did not throw";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("adam_step: v has shape (6,), expected (2, 3)"), std::string::npos)
        << e.what();
  }
  Tensor v_ok = Tensor::zeros({2, 3}, Device::cpu);
  AdamParams step_zero;
  step_zero.step = 0;  // 1 − β^0 = 0: the bias correction would divide by zero
  EXPECT_THROW(ops::adam_step(step_zero, g, m, v_ok, x), Error);
}

}  // namespace
}  // namespace nst::testing
