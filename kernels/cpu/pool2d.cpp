// CPU 2×2, stride-2 pooling (kernels/pool2d.h): y[i,j] = max or mean of x[2i..2i+1, 2j..2j+1].
// Layout: x (N, C, H, W), y (N, C, ⌊H/2⌋, ⌊W/2⌋), row-major. An odd H or W drops x's last row or
// column (floor); its gradient is zero. Work: OpenMP over the N·C planes, one plane per iteration.
// Bound by memory: at conv1_2's output for a 256-px image (64×256×256 in, 64×128×128 out) the
// forward does 3 comparisons per output (3.1 MFLOP) and moves 21 MB; max backward reads x and dy
// and writes dx, 37.7 MB.
#include "kernels/pool2d.h"

#include <algorithm>

namespace nst {

namespace {

// Offset, within a plane of width w, of the window's maximum; ties go to the first in row-major
// order of the window (a later element must be strictly greater to win).
std::int64_t window_argmax(const float* plane, std::int64_t w, std::int64_t i, std::int64_t j) {
  const std::int64_t top = 2 * i * w + 2 * j;
  const std::int64_t window[4] = {top, top + 1, top + w, top + w + 1};
  std::int64_t best = window[0];
  for (int k = 1; k < 4; ++k)
    if (plane[window[k]] > plane[best]) best = window[k];
  return best;
}

}  // namespace

void max_pool2d_forward_cpu(const Pool2dParams& p, const float* x, float* y) {
  const std::int64_t oh = p.out_h(), ow = p.out_w(), planes = p.n * p.c;
#pragma omp parallel for schedule(static)
  for (std::int64_t q = 0; q < planes; ++q) {
    const float* xq = x + q * p.h * p.w;
    float* yq = y + q * oh * ow;
    for (std::int64_t i = 0; i < oh; ++i)
      for (std::int64_t j = 0; j < ow; ++j) yq[i * ow + j] = xq[window_argmax(xq, p.w, i, j)];
  }
}

void max_pool2d_backward_cpu(const Pool2dParams& p, const float* x, const float* dy, float* dx) {
  const std::int64_t oh = p.out_h(), ow = p.out_w(), planes = p.n * p.c, w = p.w;
#pragma omp parallel for schedule(static)
  for (std::int64_t q = 0; q < planes; ++q) {
    const float* xq = x + q * p.h * w;
    const float* dyq = dy + q * oh * ow;
    float* dxq = dx + q * p.h * w;
    std::fill(dxq, dxq + p.h * w, 0.0f);  // the dropped last row/column of an odd input stay zero
    for (std::int64_t i = 0; i < oh; ++i)
      for (std::int64_t j = 0; j < ow; ++j) {
        // Each of the window's four inputs gets dy if it is the first maximum, else 0: written as
        // selects rather than a scatter to the argmax, so the loop has no data-dependent branch.
        const float* top = xq + 2 * i * w + 2 * j;
        const float a = top[0], b = top[1], c = top[w], d = top[w + 1], g = dyq[i * ow + j];
        const bool first = a >= b && a >= c && a >= d;
        const bool second = !first && b >= c && b >= d;
        const bool third = !first && !second && c >= d;
        float* out = dxq + 2 * i * w + 2 * j;
        out[0] = first ? g : 0.0f;
        out[1] = second ? g : 0.0f;
        out[w] = third ? g : 0.0f;
        out[w + 1] = !(first || second || third) ? g : 0.0f;
      }
  }
}

void avg_pool2d_forward_cpu(const Pool2dParams& p, const float* x, float* y) {
  const std::int64_t oh = p.out_h(), ow = p.out_w(), planes = p.n * p.c, w = p.w;
#pragma omp parallel for schedule(static)
  for (std::int64_t q = 0; q < planes; ++q) {
    const float* xq = x + q * p.h * w;
    float* yq = y + q * oh * ow;
    for (std::int64_t i = 0; i < oh; ++i)
      for (std::int64_t j = 0; j < ow; ++j) {
        const float* top = xq + 2 * i * w + 2 * j;
        yq[i * ow + j] = 0.25f * ((top[0] + top[1]) + (top[w] + top[w + 1]));
      }
  }
}

void avg_pool2d_backward_cpu(const Pool2dParams& p, const float* dy, float* dx) {
  const std::int64_t oh = p.out_h(), ow = p.out_w(), planes = p.n * p.c, w = p.w;
#pragma omp parallel for schedule(static)
  for (std::int64_t q = 0; q < planes; ++q) {
    const float* dyq = dy + q * oh * ow;
    float* dxq = dx + q * p.h * w;
    std::fill(dxq, dxq + p.h * w, 0.0f);  // the dropped last row/column of an odd input stay zero
    for (std::int64_t i = 0; i < oh; ++i)
      for (std::int64_t j = 0; j < ow; ++j) {
        float* top = dxq + 2 * i * w + 2 * j;
        const float share = 0.25f * dyq[i * ow + j];
        top[0] = top[1] = top[w] = top[w + 1] = share;
      }
  }
}

}  // namespace nst
