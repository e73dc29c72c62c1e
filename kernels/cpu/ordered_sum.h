#pragma once
// Deterministic sums for the CPU kernels: Σ term(i) for i in [0, n), accumulated in double over
// fixed-size blocks (OpenMP over blocks), then the block sums added in block order. The blocks do
// not depend on the thread count, so the same input gives the same bits on any machine.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace nst {

constexpr std::int64_t kOrderedSumBlock = 1 << 14;

template <class Term>
double ordered_sum(std::int64_t n, Term term) {
  const std::int64_t blocks = (n + kOrderedSumBlock - 1) / kOrderedSumBlock;
  if (blocks == 1) {  // one block: no threads, no allocation (the optimizers' small vectors)
    double s = 0.0;
    for (std::int64_t i = 0; i < n; ++i) s += term(i);
    return s;
  }
  std::vector<double> partial(static_cast<std::size_t>(blocks), 0.0);
#pragma omp parallel for schedule(static)
  for (std::int64_t b = 0; b < blocks; ++b) {
    double s = 0.0;
    const std::int64_t end = std::min(n, (b + 1) * kOrderedSumBlock);
    for (std::int64_t i = b * kOrderedSumBlock; i < end; ++i) s += term(i);
    partial[static_cast<std::size_t>(b)] = s;
  }
  double total = 0.0;
  for (const double s : partial) total += s;
  return total;
}

}  // namespace nst
