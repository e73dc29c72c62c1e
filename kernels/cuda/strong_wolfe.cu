// CUDA strong-Wolfe line search (kernels/strong_wolfe.h): the state machine of
// kernels/strong_wolfe_machine.h in one thread (a few dozen flops: launch bound), and the trial
// point x = x0 + t·d as a grid-stride loop that reads t on the device (memory bound, 12 bytes per
// element).
#include "kernels/cuda/launch.cuh"
#include "kernels/strong_wolfe.h"
#include "kernels/strong_wolfe_machine.h"

namespace nst {

namespace {

__global__ void strong_wolfe_begin_kernel(const float* phi0, const float* derivative0,
                                          const float* direction_norm_squared, const float* t0_numerator,
                                          const float* t0_denominator, float* state, float* status) {
  strong_wolfe::begin(phi0, derivative0, direction_norm_squared, t0_numerator, t0_denominator, state, status);
}

__global__ void strong_wolfe_advance_kernel(const float* phi, const float* derivative, float* state, float* status) {
  strong_wolfe::advance(phi, derivative, state, status);
}

__global__ void strong_wolfe_point_kernel(std::int64_t n, const float* x0, const float* state, const float* d,
                                          float* x) {
  const float t = state[kSwT];
  for (const std::int64_t i : grid_stride(n)) x[i] = x0[i] + t * d[i];
}

}  // namespace

void strong_wolfe_begin_cuda(const float* phi0, const float* derivative0, const float* direction_norm_squared,
                             const float* t0_numerator, const float* t0_denominator, float* state, float* status,
                             Stream stream) {
  strong_wolfe_begin_kernel<<<1, 1, 0, stream>>>(phi0, derivative0, direction_norm_squared, t0_numerator,
                                                 t0_denominator, state, status);
}

void strong_wolfe_advance_cuda(const float* phi, const float* derivative, float* state, float* status, Stream stream) {
  strong_wolfe_advance_kernel<<<1, 1, 0, stream>>>(phi, derivative, state, status);
}

void strong_wolfe_point_cuda(std::int64_t n, const float* x0, const float* state, const float* d, float* x,
                             Stream stream) {
  if (n > 0) strong_wolfe_point_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream>>>(n, x0, state, d, x);
}

}  // namespace nst
