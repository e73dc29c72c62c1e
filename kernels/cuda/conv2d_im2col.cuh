#pragma once
// The operands of the convolution forward seen as a matrix product Y = W · X_col (kernels/conv2d.h):
//   A = w as stored, C_out rows of K = C_in·KH·KW;
//   B = X_col = im2col(x): column (n, i, j), row k = (c, u, v) holds x[n, c, i·s + u − p, j·s + v − p],
//       0 outside the image.
// Both are read element by element into a block's shared tile (conv2d_tile.cuh); X_col is never
// stored. Shared by the FP32 and the TF32 forward kernels.
#include <cstdint>

#include "kernels/conv2d.h"
#include "kernels/cuda/conv2d_tile.cuh"

namespace nst::conv_tile {

struct ForwardShape {
  int n, c_in, h, w, c_out, out_h, out_w, pad;
  __host__ __device__ std::int64_t columns() const { return std::int64_t(n) * out_h * out_w; }
};

inline ForwardShape forward_shape(const Conv2dParams& p) {
  return {int(p.n), int(p.c_in), int(p.h), int(p.w), int(p.c_out), int(p.out_h()), int(p.out_w()), int(p.pad)};
}

// One block per 64×64 tile of Y: ⌈N/64⌉ × ⌈M/64⌉.
inline dim3 forward_grid(const ForwardShape& s) {
  return dim3(unsigned((s.columns() + kTileN - 1) / kTileN), unsigned((s.c_out + kTileM - 1) / kTileM));
}

// A: the weights as stored, `rows` × `cols` row-major; 0 outside.
struct WeightRows {
  const float* w;
  int rows, cols;
  __device__ float operator()(int m, int k) const { return (m < rows && k < cols) ? w[m * cols + k] : 0.0f; }
};

// B: one column (n, i, j) of im2col(x). Row k = (c, u, v) holds x[n, c, top + u, left + v], where
// top = i·s − p and left = j·s − p, or 0 when that falls outside the image.
template <class Win>
struct ImageColumn {
  const float* image;  // x[n], C_in·H·W floats; null for a column past the last output pixel
  int h, w, top, left, k_total;
  Win win;
  __device__ float operator()(int k) const {
    if (image == nullptr || k >= k_total) return 0.0f;
    const int c = k / win.taps(), tap = k - c * win.taps();
    const int u = tap / win.kw(), v = tap - u * win.kw();
    const int ih = top + u, iw = left + v;
    return (ih >= 0 && ih < h && iw >= 0 && iw < w) ? image[(c * h + ih) * w + iw] : 0.0f;
  }
};

// Column `col` of im2col(x) (an empty one when col is past the last).
template <class Win>
__device__ ImageColumn<Win> image_column(const ForwardShape& s, const Win& win, const float* x, std::int64_t col) {
  ImageColumn<Win> column{nullptr, s.h, s.w, 0, 0, s.c_in * win.taps(), win};
  if (col < s.columns()) {
    const std::int64_t pixels = std::int64_t(s.out_h) * s.out_w;
    const std::int64_t img = col / pixels;
    const int pix = int(col - img * pixels);
    const int i = pix / s.out_w, j = pix - i * s.out_w;
    column.image = x + img * s.c_in * s.h * s.w;
    column.top = i * win.stride() - s.pad;
    column.left = j * win.stride() - s.pad;
  }
  return column;
}

}  // namespace nst::conv_tile
