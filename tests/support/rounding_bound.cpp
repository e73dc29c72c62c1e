#include "tests/support/rounding_bound.h"

#include <cmath>

namespace nst::testing {

Tensor absolute(const Tensor& t) {
  std::vector<float> v = t.to_host();
  for (float& e : v) e = std::fabs(e);
  return Tensor::from_host(t.shape(), v, Device::cpu);
}

::testing::AssertionResult within_rounding(const Tensor& actual, const Tensor& expected, const Tensor& scale,
                                           double rtol) {
  const std::vector<float> a = actual.to_host(), e = expected.to_host(), s = scale.to_host();
  if (a.size() != e.size() || a.size() != s.size()) return ::testing::AssertionFailure() << "sizes differ";
  std::size_t bad = 0, worst = 0;
  double worst_ratio = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double bound = rtol * s[i] + 1e-6, err = std::fabs(double(a[i]) - double(e[i]));
    if (!(err <= bound)) {
      ++bad;
      const double ratio = std::isnan(err) ? INFINITY : err / bound;
      if (ratio >= worst_ratio) worst_ratio = ratio, worst = i;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << a.size() << " elements exceed " << rtol
                                       << "*sum|terms| + 1e-6; worst at [" << worst << "]: cuda " << a[worst]
                                       << ", cpu " << e[worst] << ", sum|terms| " << s[worst];
}

}  // namespace nst::testing
