#pragma once
// Error bounds for sums of products. A float sum of K products differs from the exact one by at
// most ~K·2⁻²⁴·Σ|terms| (in practice ~√K·2⁻²⁴·Σ|terms|); Σ|terms| for every output element is
// what the same op computes on the inputs' absolute values. CUDA and CPU results, which sum in
// different orders, are compared against that scale.
#include <gtest/gtest.h>

#include "engine/tensor.h"

namespace nst::testing {

// |x| element by element, on the host.
Tensor absolute(const Tensor& t);

// |actual − expected| ≤ rtol·scale + 1e-6 element by element (scale = Σ|terms|); NaN fails.
::testing::AssertionResult within_rounding(const Tensor& actual, const Tensor& expected, const Tensor& scale,
                                           double rtol = 1e-5);

}  // namespace nst::testing
