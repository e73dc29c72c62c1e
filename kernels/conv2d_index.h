#pragma once
// The index maps of the CUDA convolution kernels (kernels/cuda/conv2d_forward.cu and
// conv2d_backward_data.cu, through kernels/cuda/conv2d_operands.cuh): which element of x, w, dy, y
// or dx each entry of their implicit GEMMs
// reads or writes. Host-and-device code (kernels/host_device.h), so that a CPU test checks it at
// shapes far too large to allocate (tests/cpu/conv2d_index_test.cpp).
//   forward        Y = W · X_col:   M = C_out, N = batch·OH·OW, K = C_in·KH·KW
//                  A(m, k) = w[m·K + k],   B(k, col) = x[n, c, i·s + u − p, j·s + v − p]
//   backward-data  dX = Wᵀ · DY_col: M = C_in, N = batch·H·W, K = C_out·KH·KW
//                  A(c, k) = w[(o·C_in + c)·KH·KW + tap],   B(k, col) = dy[n, o, (h + p − u)/s, (w + p − v)/s]
//   with k = (c, u, v) or (o, u, v), tap = u·KW + v, col = (n, i, j) or (n, h, w); 0 outside.
// Layouts: x, dx (N, C_in, H, W); y, dy (N, C_out, OH, OW); w (C_out, C_in, KH, KW).
//
// Every offset into a tensor is 64-bit: one image's C·H·W passes 2³¹ at 64 channels of
// 8192×8192 px, and w's C_out·C_in·KH·KW may too. What stays int — each size, a pixel's index
// inside one plane (< H·W or OH·OW), k (< K) — is bounded by conv2d_cuda_unindexable
// (kernels/cuda_limits.h), which the engine checks before it launches a kernel.
#include <cstdint>

#include "kernels/conv2d.h"
#include "kernels/host_device.h"

namespace nst::conv_index {

// The convolution window: kernel extent and stride. Fixed at compile time for VGG's 3×3, stride 1
// (the index divisions by them become multiplications), or read at run time where a value is 0.
template <int kKH, int kKW, int kStride>
struct Window {
  int kh_run, kw_run, stride_run;
  NST_HOST_DEVICE int kh() const { return kKH > 0 ? kKH : kh_run; }
  NST_HOST_DEVICE int kw() const { return kKW > 0 ? kKW : kw_run; }
  NST_HOST_DEVICE int stride() const { return kStride > 0 ? kStride : stride_run; }
  NST_HOST_DEVICE int taps() const { return kh() * kw(); }
};

// One convolution's sizes as the kernels keep them: ints, checked by conv2d_cuda_unindexable.
struct ConvShape {
  int n, c_in, h, w, c_out, out_h, out_w, pad;
  NST_HOST_DEVICE std::int64_t in_pixels() const { return std::int64_t(h) * w; }
  NST_HOST_DEVICE std::int64_t out_pixels() const { return std::int64_t(out_h) * out_w; }
  NST_HOST_DEVICE std::int64_t in_columns() const { return n * in_pixels(); }    // N of the backward-data
  NST_HOST_DEVICE std::int64_t out_columns() const { return n * out_pixels(); }  // N of the forward
};

inline ConvShape conv_shape(const Conv2dParams& p) {
  return {int(p.n), int(p.c_in), int(p.h), int(p.w), int(p.c_out), int(p.out_h()), int(p.out_w()), int(p.pad)};
}

// Column `col` = (img, pix) of a GEMM whose columns are every image's pixels: the offset of
// channel 0 of that pixel in a (batch, channels, pixels) tensor. Channel ch is ch·pixels further.
NST_HOST_DEVICE inline std::int64_t column_offset(std::int64_t col, int channels, std::int64_t pixels) {
  const std::int64_t img = col / pixels;
  return img * channels * pixels + (col - img * pixels);
}

// A of the forward: the weights as stored, `rows` × `cols` row-major (C_out × K); 0 outside.
struct WeightRows {
  const float* w;
  int rows, cols;
  NST_HOST_DEVICE std::int64_t offset(int m, int k) const { return std::int64_t(m) * cols + k; }
  NST_HOST_DEVICE float operator()(int m, int k) const { return (m < rows && k < cols) ? w[offset(m, k)] : 0.0f; }
};

// A of the backward-data: row c, column k = (o, tap) of Wᵀ is w[(o·C_in + c)·KH·KW + tap]; 0 outside.
template <class Win>
struct TransposedWeights {
  const float* w;
  int c_in, k_total;
  Win win;
  NST_HOST_DEVICE std::int64_t offset(int c, int k) const {
    const int o = k / win.taps();
    return tap_offset(c, o, k - o * win.taps());
  }
  // The same for k = (o, tap).
  NST_HOST_DEVICE std::int64_t tap_offset(int c, int o, int tap) const {
    return (std::int64_t(o) * c_in + c) * win.taps() + tap;
  }
  NST_HOST_DEVICE float operator()(int c, int k) const { return (c < c_in && k < k_total) ? w[offset(c, k)] : 0.0f; }
};

// B of the forward: one column (n, i, j) of im2col(x). Row k = (c, u, v) is x[n, c, top + u, left + v]
// with top = i·s − p and left = j·s − p, or 0 where that falls outside the image.
template <class Win>
struct ImageColumn {
  const float* x;      // the whole batch
  std::int64_t image;  // offset of x[n] in x; −1 for a column past the last output pixel
  int h, w, top, left, k_total;
  Win win;
  // The offset in x of row k, or −1 where the row holds 0.
  NST_HOST_DEVICE std::int64_t offset(int k) const {
    if (image < 0 || k >= k_total) return -1;
    const int c = k / win.taps();
    return tap_offset(c, k - c * win.taps());
  }
  // The same for row k = (c, tap) of a column that exists (image ≥ 0), c < C_in.
  NST_HOST_DEVICE std::int64_t tap_offset(int c, int tap) const {
    const int u = tap / win.kw(), v = tap - u * win.kw();
    const int ih = top + u, iw = left + v;
    if (ih < 0 || ih >= h || iw < 0 || iw >= w) return -1;
    return image + std::int64_t(c) * (h * w) + (ih * w + iw);  // H·W is an int: conv2d_cuda_unindexable
  }
  NST_HOST_DEVICE float operator()(int k) const {
    const std::int64_t at = offset(k);
    return at < 0 ? 0.0f : x[at];
  }
};

// Column `col` of im2col(x) (an empty one when col is past the last).
template <class Win>
NST_HOST_DEVICE ImageColumn<Win> image_column(const ConvShape& s, const Win& win, const float* x, std::int64_t col) {
  ImageColumn<Win> column{x, -1, s.h, s.w, 0, 0, s.c_in * win.taps(), win};
  if (col < s.out_columns()) {
    const std::int64_t pixels = s.out_pixels();
    const std::int64_t img = col / pixels;
    const int pix = int(col - img * pixels);  // < OH·OW, an int
    const int i = pix / s.out_w, j = pix - i * s.out_w;
    column.image = img * s.c_in * s.in_pixels();
    column.top = i * win.stride() - s.pad;
    column.left = j * win.stride() - s.pad;
  }
  return column;
}

// B of the backward-data: one column (n, h, w) of DY_col. Row k = (o, u, v) is dy[n, o, i, j] for the
// output pixel (i, j) whose window puts tap (u, v) on input pixel (h, w): i·s = h + p − u,
// j·s = w + p − v; 0 where no such i, j exist inside dy.
template <class Win>
struct GradientColumn {
  const float* dy;     // the whole batch
  std::int64_t image;  // offset of dy[n] in dy; −1 for a column past the last input pixel
  int out_h, out_w;
  int top, left;  // h + p and w + p
  int k_total;
  Win win;
  // The offset in dy of row k, or −1 where the row holds 0.
  NST_HOST_DEVICE std::int64_t offset(int k) const {
    if (image < 0 || k >= k_total) return -1;
    const int o = k / win.taps();
    return tap_offset(o, k - o * win.taps());
  }
  // The same for row k = (o, tap) of a column that exists (image ≥ 0), o < C_out.
  NST_HOST_DEVICE std::int64_t tap_offset(int o, int tap) const {
    const int u = tap / win.kw(), v = tap - u * win.kw();
    const int is = top - u, js = left - v;  // i·s and j·s, if such i and j exist
    if (is < 0 || js < 0 || is % win.stride() != 0 || js % win.stride() != 0) return -1;
    const int i = is / win.stride(), j = js / win.stride();
    if (i >= out_h || j >= out_w) return -1;
    return image + std::int64_t(o) * (out_h * out_w) + (i * out_w + j);  // OH·OW is an int
  }
  NST_HOST_DEVICE float operator()(int k) const {
    const std::int64_t at = offset(k);
    return at < 0 ? 0.0f : dy[at];
  }
};

// Column `col` of DY_col (an empty one when col is past the last).
template <class Win>
NST_HOST_DEVICE GradientColumn<Win> gradient_column(const ConvShape& s, const Win& win, const float* dy,
                                                    std::int64_t col) {
  GradientColumn<Win> column{dy, -1, s.out_h, s.out_w, 0, 0, s.c_out * win.taps(), win};
  if (col < s.in_columns()) {
    const std::int64_t pixels = s.in_pixels();
    const std::int64_t img = col / pixels;
    const int pix = int(col - img * pixels);  // < H·W, an int
    const int ih = pix / s.w, iw = pix - ih * s.w;
    column.image = img * s.c_out * s.out_pixels();
    column.top = ih + s.pad;
    column.left = iw + s.pad;
  }
  return column;
}

}  // namespace nst::conv_index
