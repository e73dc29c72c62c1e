// CPU reductions: accumulate in double over fixed-size blocks, then add the block sums in order.
// The blocks do not depend on the thread count, so the result is the same bits on any machine.
#include "kernels/reduce.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace nst {

namespace {

constexpr std::int64_t kBlock = 1 << 14;

// Σ term(i) for i in [0, n), in double, deterministic.
template <class Term>
double ordered_sum(std::int64_t n, Term term) {
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<std::size_t>(blocks), 0.0);
#pragma omp parallel for schedule(static)
  for (std::int64_t b = 0; b < blocks; ++b) {
    double s = 0.0;
    const std::int64_t end = std::min(n, (b + 1) * kBlock);
    for (std::int64_t i = b * kBlock; i < end; ++i) s += term(i);
    partial[static_cast<std::size_t>(b)] = s;
  }
  double total = 0.0;
  for (const double s : partial) total += s;
  return total;
}

}  // namespace

void sum_cpu(std::int64_t n, const float* x, float* out) {
  out[0] = static_cast<float>(ordered_sum(n, [x](std::int64_t i) { return double(x[i]); }));
}

void dot_cpu(std::int64_t n, const float* x, const float* y, float* out) {
  out[0] = static_cast<float>(ordered_sum(n, [x, y](std::int64_t i) { return double(x[i]) * y[i]; }));
}

void nrm2_cpu(std::int64_t n, const float* x, float* out) {
  out[0] = static_cast<float>(std::sqrt(ordered_sum(n, [x](std::int64_t i) { return double(x[i]) * x[i]; })));
}

void asum_cpu(std::int64_t n, const float* x, float* out) {
  out[0] = static_cast<float>(ordered_sum(n, [x](std::int64_t i) { return std::fabs(double(x[i])); }));
}

}  // namespace nst
