// CPU vector ops: plain loops, OpenMP over elements (memory bound: 1-3 floats moved per FLOP).
#include "kernels/vector_ops.h"

#include <algorithm>

namespace nst {

namespace {
// Below this many elements a thread team costs more than the loop.
constexpr std::int64_t kParallelThreshold = 1 << 15;
}  // namespace

void fill_cpu(std::int64_t n, float value, float* y) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (std::int64_t i = 0; i < n; ++i) y[i] = value;
}

void scale_cpu(std::int64_t n, float alpha, float* y) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (std::int64_t i = 0; i < n; ++i) y[i] *= alpha;
}

void axpy_cpu(std::int64_t n, float alpha, const float* x, float* y) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (std::int64_t i = 0; i < n; ++i) y[i] += alpha * x[i];
}

void scale_ratio_cpu(std::int64_t n, const float* num, const float* den, float* y) { scale_cpu(n, num[0] / den[0], y); }

void clamp_cpu(std::int64_t n, float lo, float hi, float* y) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (std::int64_t i = 0; i < n; ++i) y[i] = std::min(std::max(y[i], lo), hi);
}

}  // namespace nst
