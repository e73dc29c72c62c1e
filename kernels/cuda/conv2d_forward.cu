// Convolution forward as an implicit GEMM on CUDA cores (FP32), bias and ReLU fused:
//   y[n,o,i,j] = max(0, b[o] + Σ_{c,u,v} w[o,c,u,v] · x[n, c, i·s + u − p, j·s + v − p])   (kernels/conv2d.h)
// Layout: x (N, C_in, H, W), w (C_out, C_in, KH, KW), b (C_out), y (N, C_out, OH, OW).
//
// As a matrix product Y = W · X_col: M = C_out, N = batch·OH·OW, K = C_in·KH·KW, A = w as stored,
// B = im2col(x) gathered on the fly (conv2d_im2col.cuh), never stored. Grid: ⌈N/64⌉ × ⌈M/64⌉
// blocks of 256 threads; each block stages 8-wide K slices of both operands through shared memory,
// double-buffered (conv2d_tile.cuh), and each thread accumulates a 4×4 block of y in registers; the
// epilogue adds b, applies ReLU and writes y.
//
// Cost, conv3_2 at 256 px (64×64, 256→256, 3×3): 4.83 GFLOP and at least 10.7 MB moved, 450 FLOP
// per byte against the H100's ~20 (67 TFLOP/s FP32 over 3.35 TB/s): bound by arithmetic, floor
// 4.83e9 / 67e12 ≈ 72 µs. Expected 35–50 % of the FP32 peak (≈ 150–200 µs): a 4×4 micro-tile does
// 16 FMAs per two shared-memory float4 loads, and the 256 blocks give most SMs only two. Not yet
// measured on a GPU.
#include <cstdint>

#include "kernels/conv2d.h"
#include "kernels/conv2d_index.h"
#include "kernels/cuda/conv2d_im2col.cuh"
#include "kernels/cuda/conv2d_tile.cuh"

namespace nst {

namespace {

using conv_tile::ConvShape;
using conv_tile::kMicro;
using conv_tile::kThreads;
using conv_tile::kTileM;
using conv_tile::kTileN;
using conv_tile::Window;

template <class Win>
__global__ void __launch_bounds__(kThreads)
    conv2d_forward_kernel(ConvShape s, Win win, const float* __restrict__ x, const float* __restrict__ w,
                          const float* __restrict__ b, bool relu, float* __restrict__ y) {
  const int k_total = s.c_in * win.taps();
  const std::int64_t pixels = s.out_pixels();  // of one output channel
  const std::int64_t n0 = std::int64_t(blockIdx.x) * kTileN;
  const int m0 = int(blockIdx.y) * kTileM;

  float acc[kMicro][kMicro];
  conv_tile::multiply_tile(conv_tile::WeightRows{w, s.c_out, k_total},
                           conv_tile::image_column(s, win, x, n0 + conv_tile::loaded_column()), m0, k_total, acc);

  // Epilogue: column (img, pix) of the tile is y[img, m, pix] = y[(img·C_out + m)·OH·OW + pix]
  // (64-bit: kernels/conv2d_index.h).
#pragma unroll
  for (int j = 0; j < kMicro; ++j) {
    const std::int64_t col = n0 + conv_tile::result_column(j);
    if (col >= s.out_columns()) continue;
    float* y_col = y + conv_index::column_offset(col, s.c_out, pixels);
#pragma unroll
    for (int i = 0; i < kMicro; ++i) {
      const int m = m0 + conv_tile::result_row(i);
      if (m >= s.c_out) continue;
      const float v = acc[i][j] + b[m];
      y_col[m * pixels] = relu ? fmaxf(v, 0.0f) : v;
    }
  }
}

}  // namespace

void conv2d_forward_cuda(const Conv2dParams& p, const float* x, const float* w, const float* b, bool relu, float* y,
                         Stream stream) {
  const ConvShape s = conv_index::conv_shape(p);
  if (s.out_columns() <= 0 || s.c_out <= 0) return;
  const dim3 grid = conv_tile::forward_grid(s);
  if (p.kh == 3 && p.kw == 3 && p.stride == 1)  // every VGG19 convolution
    conv2d_forward_kernel<<<grid, kThreads, 0, stream>>>(s, Window<3, 3, 1>{3, 3, 1}, x, w, b, relu, y);
  else
    conv2d_forward_kernel<<<grid, kThreads, 0, stream>>>(s, Window<0, 0, 0>{int(p.kh), int(p.kw), int(p.stride)}, x, w,
                                                         b, relu, y);
}

}  // namespace nst
