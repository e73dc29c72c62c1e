// 2×2, stride-2 pooling over x (N, C, H, W) → y (N, C, ⌊H/2⌋, ⌊W/2⌋), both NCHW row-major; an odd
// last row/column is dropped and gets zero gradient (kernels/pool2d.h).
//   max: y = max of the window; dx routes dy to the window's first maximum in row-major order.
//   avg: y = ¼·Σ window;         dx = ¼·dy on each element of the window.
// Forward: one thread per output element. Backward: one thread per INPUT element, which finds its
// own window and writes dx there, so dx is overwritten everywhere (the dropped row/column
// included) and no two threads write the same place: no atomics, no separate zero fill.
// Memory bound: at pool1, 256 px (x 1×64×256×256, 16.8 MB; y 4.2 MB) the forward moves ~21 MB
// (~6 µs at 3.35 TB/s) for 3 comparisons per output; the max backward reads x and dy and writes dx,
// ~38 MB (each thread rereads its window of x, which its neighbours share through the caches).
#include "kernels/cuda/launch.cuh"
#include "kernels/pool2d.h"

namespace nst {

namespace {

// The maximum of the 2×2 window whose top-left input is x00 (rows of length w), and its index
// 0..3 in row-major window order: a later element wins only if strictly greater, so on ties the
// first one does (the rule kernels/pool2d.h fixes for both backends).
struct WindowMax {
  float value;
  int index;
};

__device__ WindowMax window_max(const float* x00, std::int64_t w) {
  const float v[4] = {x00[0], x00[1], x00[w], x00[w + 1]};
  WindowMax best{v[0], 0};
#pragma unroll
  for (int k = 1; k < 4; ++k)
    if (v[k] > best.value) best = {v[k], k};
  return best;
}

// The window's mean, the rows summed first, as the CPU kernel does.
__device__ float window_mean(const float* x00, std::int64_t w) {
  return 0.25f * ((x00[0] + x00[1]) + (x00[w] + x00[w + 1]));
}

// (Pool2dParams' out_h()/out_w() are host functions; the kernels spell them h / 2, w / 2.)
template <bool is_max>
__global__ void pool_forward_kernel(Pool2dParams p, const float* x, float* y) {
  const std::int64_t oh = p.h / 2, ow = p.w / 2, outputs = p.n * p.c * oh * ow;
  for (const std::int64_t o : grid_stride(outputs)) {
    const std::int64_t j = o % ow, i = (o / ow) % oh, plane = o / (ow * oh);
    const float* x00 = x + (plane * p.h + 2 * i) * p.w + 2 * j;
    y[o] = is_max ? window_max(x00, p.w).value : window_mean(x00, p.w);
  }
}

template <bool is_max>
__global__ void pool_backward_kernel(Pool2dParams p, const float* x, const float* dy, float* dx) {
  const std::int64_t oh = p.h / 2, ow = p.w / 2, inputs = p.n * p.c * p.h * p.w;
  for (const std::int64_t e : grid_stride(inputs)) {
    const std::int64_t col = e % p.w, row = (e / p.w) % p.h, plane = e / (p.w * p.h);
    const std::int64_t i = row / 2, j = col / 2;  // this input's window = output element (i, j)
    if (i >= oh || j >= ow) {                     // the dropped last row or column of an odd size
      dx[e] = 0.0f;
      continue;
    }
    const float g = dy[(plane * oh + i) * ow + j];
    if (is_max) {
      const int me = int(row % 2) * 2 + int(col % 2);
      dx[e] = window_max(x + (plane * p.h + 2 * i) * p.w + 2 * j, p.w).index == me ? g : 0.0f;
    } else {
      dx[e] = g * 0.25f;
    }
  }
}

}  // namespace

void max_pool2d_forward_cuda(const Pool2dParams& p, const float* x, float* y, Stream stream) {
  const std::int64_t outputs = p.n * p.c * p.out_h() * p.out_w();
  if (outputs > 0) pool_forward_kernel<true><<<blocks_for(outputs), kThreadsPerBlock, 0, stream>>>(p, x, y);
}

void max_pool2d_backward_cuda(const Pool2dParams& p, const float* x, const float* dy, float* dx, Stream stream) {
  const std::int64_t inputs = p.n * p.c * p.h * p.w;
  if (inputs > 0) pool_backward_kernel<true><<<blocks_for(inputs), kThreadsPerBlock, 0, stream>>>(p, x, dy, dx);
}

void avg_pool2d_forward_cuda(const Pool2dParams& p, const float* x, float* y, Stream stream) {
  const std::int64_t outputs = p.n * p.c * p.out_h() * p.out_w();
  if (outputs > 0) pool_forward_kernel<false><<<blocks_for(outputs), kThreadsPerBlock, 0, stream>>>(p, x, y);
}

void avg_pool2d_backward_cuda(const Pool2dParams& p, const float* dy, float* dx, Stream stream) {
  const std::int64_t inputs = p.n * p.c * p.h * p.w;
  if (inputs > 0) pool_backward_kernel<false><<<blocks_for(inputs), kThreadsPerBlock, 0, stream>>>(p, nullptr, dy, dx);
}

}  // namespace nst
