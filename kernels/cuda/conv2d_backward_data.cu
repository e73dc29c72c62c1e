// Convolution backward-data (the transposed convolution) as an implicit GEMM on CUDA cores (FP32),
// with ReLU's backward fused into the epilogue (kernels/conv2d.h):
//   dx[n,c,h,w] = Σ_{o,u,v} w[o,c,u,v] · dy[n, o, (h + p − u)/s, (w + p − v)/s]
//   over the terms where both divisions are exact and land inside dy; dx = 0 where gate <= 0.
// Layout: dy (N, C_out, OH, OW), w (C_out, C_in, KH, KW), gate and dx (N, C_in, H, W).
//
// As a matrix product dX = Wᵀ · DY_col: M = C_in, N = batch·H·W, K = C_out·KH·KW. A is w read
// transposed (row c, column k = (o, u, v) holds w[o, c, u, v]); DY_col's column (n, h, w), row
// (o, u, v) holds the dy term above, 0 where there is none. Neither is stored: each block gathers
// its 8×64 slices straight into shared memory (conv2d_tile.cuh) through the index maps
// TransposedWeights and GradientColumn (kernels/conv2d_index.h, 64-bit offsets). Grid: ⌈N/64⌉ ×
// ⌈M/64⌉ blocks of 256 threads, each thread owning a 4×4 block of dx, written once (dx is
// overwritten, no atomics, so the result is deterministic).
//
// Cost, conv3_2 at 256 px (64×64, 256→256, 3×3): the same 4.83 GFLOP and ≥ 10.7 MB as the forward,
// 450 FLOP/byte: bound by arithmetic, floor ≈ 72 µs at 67 TFLOP/s. Expected 35–50 % of the FP32
// peak, like the forward, a little less for the extra index arithmetic of the transposed gather.
// Not yet measured on a GPU.
#include <cstdint>

#include "kernels/conv2d.h"
#include "kernels/conv2d_index.h"
#include "kernels/cuda/conv2d_tile.cuh"

namespace nst {

namespace {

using conv_index::ConvShape;
using conv_index::gradient_column;
using conv_index::TransposedWeights;
using conv_tile::kMicro;
using conv_tile::kThreads;
using conv_tile::kTileM;
using conv_tile::kTileN;
using conv_tile::Window;

template <class Win>
__global__ void __launch_bounds__(kThreads)
    conv2d_backward_data_kernel(ConvShape s, Win win, const float* __restrict__ dy, const float* __restrict__ w,
                                const float* __restrict__ gate, float* __restrict__ dx) {
  const int k_total = s.c_out * win.taps();
  const std::int64_t pixels = s.in_pixels();  // of one input channel
  const std::int64_t n0 = std::int64_t(blockIdx.x) * kTileN;
  const int m0 = int(blockIdx.y) * kTileM;

  float acc[kMicro][kMicro];
  conv_tile::multiply_tile(TransposedWeights<Win>{w, s.c_in, k_total, win},
                           gradient_column(s, win, dy, n0 + conv_tile::loaded_column()), m0, k_total, acc);

  // Epilogue: column (img, pix) of the tile is dx[img, c, pix] = dx[(img·C_in + c)·H·W + pix]
  // (64-bit: kernels/conv2d_index.h).
#pragma unroll
  for (int j = 0; j < kMicro; ++j) {
    const std::int64_t col = n0 + conv_tile::result_column(j);
    if (col >= s.in_columns()) continue;
    const std::int64_t offset = conv_index::column_offset(col, s.c_in, pixels);
#pragma unroll
    for (int i = 0; i < kMicro; ++i) {
      const int c = m0 + conv_tile::result_row(i);
      if (c >= s.c_in) continue;
      const std::int64_t at = offset + c * pixels;
      dx[at] = (gate != nullptr && gate[at] <= 0.0f) ? 0.0f : acc[i][j];
    }
  }
}

}  // namespace

void conv2d_backward_data_cuda(const Conv2dParams& p, const float* dy, const float* w, const float* gate, float* dx,
                               Stream stream) {
  const ConvShape s = conv_index::conv_shape(p);
  if (s.in_columns() <= 0 || s.c_in <= 0) return;
  // One block per 64×64 tile of dX (within CUDA's grid limits: conv2d_cuda_unindexable).
  const dim3 grid(unsigned((s.in_columns() + kTileN - 1) / kTileN), unsigned((s.c_in + kTileM - 1) / kTileM));
  if (p.kh == 3 && p.kw == 3 && p.stride == 1)  // every VGG19 convolution
    conv2d_backward_data_kernel<<<grid, kThreads, 0, stream>>>(s, Window<3, 3, 1>{3, 3, 1}, dy, w, gate, dx);
  else
    conv2d_backward_data_kernel<<<grid, kThreads, 0, stream>>>(s, Window<0, 0, 0>{int(p.kh), int(p.kw), int(p.stride)},
                                                               dy, w, gate, dx);
}

}  // namespace nst
