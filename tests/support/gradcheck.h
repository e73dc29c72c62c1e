#pragma once
// Central finite differences in double, to check an analytic backward against its forward.
//
// For an op y = f(x) the tests check the backward on the scalar L(x) = Σ_i y_i(x)·r_i for a fixed
// random r: dL/dx is what the backward returns when given dy = r. The forward is the test's own
// naive double-precision reference, so the only float arithmetic under test is the backward.
//   numeric_k = (L(x + h·e_k) − L(x − h·e_k)) / 2h, h = 1e-5·max(1, |x_k|)   (error O(h²))
//   pass when |analytic_k − numeric_k| ≤ tol · max(|analytic_k|, |numeric_k|, 1).
#include <functional>
#include <vector>

#include <gtest/gtest.h>

namespace nst::testing {

using ScalarFunction = std::function<double(const std::vector<double>&)>;

// dL/dx_k for every k (or only those in `coordinates` when it is not empty).
std::vector<double> numeric_gradient(const ScalarFunction& loss, std::vector<double> x,
                                     const std::vector<std::size_t>& coordinates = {});

// Σ_i y_i·r_i — the scalar whose gradient with respect to y is r.
double weighted_sum(const std::vector<double>& y, const std::vector<float>& r);

// Compare `analytic` with finite differences of `loss` at x, at `coordinates` (all when empty).
// `skip(k)` may exclude kink points (ReLU at 0, ties in max pool).
::testing::AssertionResult gradient_matches(const ScalarFunction& loss, const std::vector<double>& x,
                                            const std::vector<float>& analytic, double tol,
                                            const std::vector<std::size_t>& coordinates = {},
                                            const std::function<bool(std::size_t)>& skip = nullptr);

}  // namespace nst::testing
