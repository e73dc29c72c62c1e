// CPU strong-Wolfe line search (kernels/strong_wolfe.h): the state machine of
// kernels/strong_wolfe_machine.h on host memory, and the trial point as a plain loop.
#include "kernels/strong_wolfe.h"

#include "kernels/strong_wolfe_machine.h"

namespace nst {

namespace {
constexpr std::int64_t kParallelThreshold = 1 << 15;  // as kernels/cpu/vector_ops.cpp
}  // namespace

void strong_wolfe_begin_cpu(const float* phi0, const float* derivative0, const float* direction_norm_squared,
                            const float* t0_numerator, const float* t0_denominator, float* state, float* status) {
  strong_wolfe::begin(phi0, derivative0, direction_norm_squared, t0_numerator, t0_denominator, state, status);
}

void strong_wolfe_advance_cpu(const float* phi, const float* derivative, float* state, float* status) {
  strong_wolfe::advance(phi, derivative, state, status);
}

void strong_wolfe_point_cpu(std::int64_t n, const float* x0, const float* state, const float* d, float* x) {
  const float t = state[kSwT];
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
  for (std::int64_t i = 0; i < n; ++i) x[i] = x0[i] + t * d[i];
}

}  // namespace nst
