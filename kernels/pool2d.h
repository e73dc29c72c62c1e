#pragma once
// 2×2 pooling with stride 2 over (N, C, H, W). Odd sizes floor, as Keras' and Caffe's VGG do
// (padding 'valid'): the output is (N, C, ⌊H/2⌋, ⌊W/2⌋) and the last row/column of an odd input
// is dropped; its gradient is zero.
#include <cstdint>

#include "kernels/stream.h"

namespace nst {

struct Pool2dParams {
  std::int64_t n = 1, c = 1, h = 1, w = 1;  // input
  std::int64_t out_h() const { return h / 2; }
  std::int64_t out_w() const { return w / 2; }
};

// y = max of each 2×2 window.
void max_pool2d_forward_cpu(const Pool2dParams& p, const float* x, float* y);
void max_pool2d_forward_cuda(const Pool2dParams& p, const float* x, float* y, Stream stream);

// dx (overwritten) routes each dy to its window's maximum in x; on ties the first in row-major
// order of the window wins (the same rule on both backends).
void max_pool2d_backward_cpu(const Pool2dParams& p, const float* x, const float* dy, float* dx);
void max_pool2d_backward_cuda(const Pool2dParams& p, const float* x, const float* dy, float* dx, Stream stream);

// y = mean of each 2×2 window.
void avg_pool2d_forward_cpu(const Pool2dParams& p, const float* x, float* y);
void avg_pool2d_forward_cuda(const Pool2dParams& p, const float* x, float* y, Stream stream);

// dx (overwritten) = dy / 4 spread over each window.
void avg_pool2d_backward_cpu(const Pool2dParams& p, const float* dy, float* dx);
void avg_pool2d_backward_cuda(const Pool2dParams& p, const float* dy, float* dx, Stream stream);

}  // namespace nst
