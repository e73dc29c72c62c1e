// ReLU and its gradient on n contiguous floats (any layout; NCHW activations in practice):
//   forward  y = max(x, 0);   backward  dx = dy where y > 0, else 0.
// One grid-stride loop each (launch.cuh). Memory bound: the forward moves 8 bytes and the backward
// 12 bytes per element for no arithmetic to speak of; at relu1_1, 256 px (1×64×256×256 = 4.2 M
// elements) that is 34 MB (forward) and 50 MB (backward), ~10 and ~15 µs at 3.35 TB/s.
#include "kernels/cuda/launch.cuh"
#include "kernels/relu.h"

namespace nst {

namespace {

__global__ void relu_forward_kernel(std::int64_t n, const float* x, float* y) {
  for (const std::int64_t i : grid_stride(n)) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

__global__ void relu_backward_kernel(std::int64_t n, const float* y, const float* dy, float* dx) {
  for (const std::int64_t i : grid_stride(n)) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

}  // namespace

void relu_forward_cuda(std::int64_t n, const float* x, float* y, Stream stream) {
  if (n > 0) relu_forward_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream>>>(n, x, y);
}

void relu_backward_cuda(std::int64_t n, const float* y, const float* dy, float* dx, Stream stream) {
  if (n > 0) relu_backward_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream>>>(n, y, dy, dx);
}

}  // namespace nst
