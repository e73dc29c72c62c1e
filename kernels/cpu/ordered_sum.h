#pragma once
// Deterministic sums for the CPU kernels: Σ term(i) for i in [0, n), accumulated in double over
// fixed-size blocks (OpenMP over blocks), then the block sums added in block order. The blocks do
// not depend on the thread count, so the same input gives the same bits on any machine.
// term(i) is called exactly once for each i, so a term may also update element i of a vector (the
// fused update-and-dot of kernels/cpu/lbfgs_ring.cpp).
#include <algorithm>
#include <cstdint>
#include <vector>

namespace nst {

constexpr std::int64_t kOrderedSumBlock = 1 << 14;

// Σ term(i) over [begin, end) in SIMD lanes (omp simd: lane sums, then the lanes added), an order
// fixed when the program is compiled.
template <class Term>
double block_sum(std::int64_t begin, std::int64_t end, Term term) {
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (std::int64_t i = begin; i < end; ++i) s += term(i);
  return s;
}

template <class Term>
double ordered_sum(std::int64_t n, Term term) {
  const std::int64_t blocks = (n + kOrderedSumBlock - 1) / kOrderedSumBlock;
  if (blocks == 1) return block_sum(0, n, term);  // no threads, no allocation (the optimizers' small vectors)
  std::vector<double> partial(static_cast<std::size_t>(blocks), 0.0);
#pragma omp parallel for schedule(static)
  for (std::int64_t b = 0; b < blocks; ++b)
    partial[static_cast<std::size_t>(b)] =
        block_sum(b * kOrderedSumBlock, std::min(n, (b + 1) * kOrderedSumBlock), term);
  double total = 0.0;
  for (const double s : partial) total += s;
  return total;
}

}  // namespace nst
