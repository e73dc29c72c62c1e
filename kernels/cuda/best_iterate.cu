// CUDA keep-if-lower (kernels/best_iterate.h), in two passes so that every block compares against
// the same lowest loss: a grid-stride copy of x into best_x when loss < state[0], then one thread
// updates the state. Memory bound: 8 bytes per element when lower, nothing otherwise.
#include "kernels/best_iterate.h"
#include "kernels/cuda/launch.cuh"

namespace nst {

namespace {

__global__ void copy_if_lower_kernel(std::int64_t n, const float* loss, const float* x, float* best_x,
                                     const float* state) {
  if (!(loss[0] < state[0])) return;
  for (const std::int64_t i : grid_stride(n)) best_x[i] = x[i];
}

__global__ void record_if_lower_kernel(const float* loss, float* state) {
  state[2] += 1.0f;
  if (!(loss[0] < state[0])) return;
  state[0] = loss[0];
  state[1] = state[2];
}

}  // namespace

void keep_if_lower_cuda(std::int64_t n, const float* loss, const float* x, float* best_x, float* state, Stream stream) {
  if (n > 0) copy_if_lower_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream>>>(n, loss, x, best_x, state);
  record_if_lower_kernel<<<1, 1, 0, stream>>>(loss, state);
}

}  // namespace nst
