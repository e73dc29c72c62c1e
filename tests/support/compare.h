#pragma once
// Element-wise comparison with a stated bound: |actual − expected| ≤ atol + rtol·|expected|.
// On failure it reports how many elements broke the bound and the worst one (index, both values).
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace nst::testing {

struct Tolerance {
  double atol;
  double rtol;
};

::testing::AssertionResult all_close(const std::vector<float>& actual, const std::vector<double>& expected,
                                     Tolerance tol);
::testing::AssertionResult all_close(const std::vector<float>& actual, const std::vector<float>& expected,
                                     Tolerance tol);

// Bit-for-bit equality, NaN never equal.
::testing::AssertionResult all_equal(const std::vector<float>& actual, const std::vector<float>& expected);

}  // namespace nst::testing
