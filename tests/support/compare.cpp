#include "tests/support/compare.h"

#include <cmath>
#include <sstream>

namespace nst::testing {

::testing::AssertionResult all_close(const std::vector<float>& actual, const std::vector<double>& expected,
                                     Tolerance tol) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure() << "sizes differ: " << actual.size() << " vs " << expected.size();
  std::size_t bad = 0, worst = 0;
  double worst_excess = -1.0;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double a = actual[i], e = expected[i];
    const double bound = tol.atol + tol.rtol * std::fabs(e);
    const double err = std::fabs(a - e);
    if (!(err <= bound)) {  // NaN fails
      ++bad;
      const double excess = std::isnan(err) ? 1e300 : err - bound;
      if (excess > worst_excess) worst_excess = excess, worst = i;
    }
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << bad << " of " << actual.size() << " elements exceed |a-e| <= " << tol.atol
                                       << " + " << tol.rtol << "*|e|; worst at [" << worst << "]: actual "
                                       << actual[worst] << ", expected " << expected[worst];
}

::testing::AssertionResult all_close(const std::vector<float>& actual, const std::vector<float>& expected,
                                     Tolerance tol) {
  return all_close(actual, std::vector<double>(expected.begin(), expected.end()), tol);
}

::testing::AssertionResult all_equal(const std::vector<float>& actual, const std::vector<float>& expected) {
  return all_close(actual, expected, Tolerance{0.0, 0.0});
}

}  // namespace nst::testing
