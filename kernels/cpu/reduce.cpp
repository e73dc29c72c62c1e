// CPU reductions: ordered sums in double (kernels/cpu/ordered_sum.h), rounded once to float.
// The blocks do not depend on the thread count, so the result is the same bits on any machine.
#include "kernels/reduce.h"

#include <cmath>

#include "kernels/cpu/ordered_sum.h"

namespace nst {

void dot_cpu(std::int64_t n, const float* x, const float* y, float* out) {
  out[0] = static_cast<float>(ordered_sum(n, [x, y](std::int64_t i) { return double(x[i]) * y[i]; }));
}

void asum_cpu(std::int64_t n, const float* x, float* out) {
  out[0] = static_cast<float>(ordered_sum(n, [x](std::int64_t i) { return std::fabs(double(x[i])); }));
}

}  // namespace nst
