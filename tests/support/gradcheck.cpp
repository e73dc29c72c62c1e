#include "tests/support/gradcheck.h"

#include <algorithm>
#include <cmath>

namespace nst::testing {

namespace {
std::vector<std::size_t> all_or(const std::vector<std::size_t>& coordinates, std::size_t n) {
  if (!coordinates.empty()) return coordinates;
  std::vector<std::size_t> all(n);
  for (std::size_t k = 0; k < n; ++k) all[k] = k;
  return all;
}
}  // namespace

std::vector<double> numeric_gradient(const ScalarFunction& loss, std::vector<double> x,
                                     const std::vector<std::size_t>& coordinates) {
  std::vector<double> grad(x.size(), 0.0);
  for (const std::size_t k : all_or(coordinates, x.size())) {
    const double x_k = x[k];
    const double h = 1e-5 * std::max(1.0, std::fabs(x_k));
    x[k] = x_k + h;
    const double up = loss(x);
    x[k] = x_k - h;
    const double down = loss(x);
    x[k] = x_k;
    grad[k] = (up - down) / (2.0 * h);
  }
  return grad;
}

double weighted_sum(const std::vector<double>& y, const std::vector<float>& r) {
  double s = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) s += y[i] * r[i];
  return s;
}

::testing::AssertionResult gradient_matches(const ScalarFunction& loss, const std::vector<double>& x,
                                            const std::vector<float>& analytic, double tol,
                                            const std::vector<std::size_t>& coordinates,
                                            const std::function<bool(std::size_t)>& skip) {
  if (analytic.size() != x.size())
    return ::testing::AssertionFailure() << "analytic gradient has " << analytic.size() << " entries, x has "
                                         << x.size();
  std::vector<std::size_t> checked;
  for (const std::size_t k : all_or(coordinates, x.size()))
    if (!skip || !skip(k)) checked.push_back(k);
  if (checked.empty()) return ::testing::AssertionFailure() << "no coordinate left to check";
  const std::vector<double> numeric = numeric_gradient(loss, x, checked);
  for (const std::size_t k : checked) {
    const double a = analytic[k], n = numeric[k];
    const double scale = std::max({std::fabs(a), std::fabs(n), 1.0});
    if (!(std::fabs(a - n) <= tol * scale))
      return ::testing::AssertionFailure()
             << "d/dx[" << k << "]: analytic " << a << ", finite difference " << n << " (relative error "
             << std::fabs(a - n) / scale << " > " << tol << "; " << checked.size() << " coordinates checked)";
  }
  return ::testing::AssertionSuccess() << checked.size() << " coordinates agree within " << tol;
}

}  // namespace nst::testing
