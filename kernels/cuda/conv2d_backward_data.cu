// Convolution backward-data (the transposed convolution) as an implicit GEMM on CUDA cores (FP32),
// with ReLU's backward fused into the epilogue (kernels/conv2d.h):
//   dx[n,c,h,w] = Σ_{o,u,v} w[o,c,u,v] · dy[n, o, (h + p − u)/s, (w + p − v)/s]
//   over the terms where both divisions are exact and land inside dy; dx = 0 where gate <= 0.
// Layout: dy (N, C_out, OH, OW), w (C_out, C_in, KH, KW), gate and dx (N, C_in, H, W).
//
// As a matrix product dX = Wᵀ · DY_col: M = C_in, N = batch·H·W, K = C_out·KH·KW. A is w read
// transposed (row c, column k = (o, u, v) holds w[o, c, u, v]); DY_col's column (n, h, w), row
// (o, u, v) holds the dy term above, 0 where there is none. Neither is stored: each block gathers
// its 8×64 slices straight into shared memory (conv2d_tile.cuh). Grid: ⌈N/64⌉ × ⌈M/64⌉ blocks of
// 256 threads, each thread owning a 4×4 block of dx, written once (dx is overwritten, no atomics,
// so the result is deterministic).
//
// Cost, conv3_2 at 256 px (64×64, 256→256, 3×3): the same 4.83 GFLOP and ≥ 10.7 MB as the forward,
// 450 FLOP/byte: bound by arithmetic, floor ≈ 72 µs at 67 TFLOP/s. Expected 35–50 % of the FP32
// peak, like the forward, a little less for the extra index arithmetic of the transposed gather.
// Not yet measured on a GPU.
#include <cstdint>

#include "kernels/conv2d.h"
#include "kernels/cuda/conv2d_tile.cuh"

namespace nst {

namespace {

using conv_tile::kMicro;
using conv_tile::kThreads;
using conv_tile::kTileM;
using conv_tile::kTileN;
using conv_tile::Window;

struct BackwardShape {
  int n, c_in, h, w, c_out, out_h, out_w, pad;
};

// A: row c, column k = (o, tap) of Wᵀ holds w[o, c, tap] = w[(o·C_in + c)·KH·KW + tap].
template <class Win>
struct TransposedWeights {
  const float* w;
  int c_in, k_total;
  Win win;
  __device__ float operator()(int c, int k) const {
    if (c >= c_in || k >= k_total) return 0.0f;
    const int o = k / win.taps(), tap = k - o * win.taps();
    return w[(o * c_in + c) * win.taps() + tap];
  }
};

// B: one column (n, h, w) of DY_col. Row k = (o, u, v) holds dy[n, o, i, j] for the output pixel
// (i, j) whose window puts tap (u, v) on input pixel (h, w): i·s = h + p − u, j·s = w + p − v.
template <class Win>
struct GradientColumn {
  const float* grad;  // dy[n], C_out·OH·OW floats; null for a column past the last input pixel
  int out_h, out_w;
  int top, left;  // h + p and w + p
  int k_total;
  Win win;
  __device__ float operator()(int k) const {
    if (grad == nullptr || k >= k_total) return 0.0f;
    const int o = k / win.taps(), tap = k - o * win.taps();
    const int u = tap / win.kw(), v = tap - u * win.kw();
    const int is = top - u, js = left - v;  // i·s and j·s, if such i and j exist
    if (is < 0 || js < 0 || is % win.stride() != 0 || js % win.stride() != 0) return 0.0f;
    const int i = is / win.stride(), j = js / win.stride();
    return (i < out_h && j < out_w) ? grad[(o * out_h + i) * out_w + j] : 0.0f;
  }
};

template <class Win>
__global__ void __launch_bounds__(kThreads)
    conv2d_backward_data_kernel(BackwardShape s, Win win, const float* __restrict__ dy, const float* __restrict__ w,
                                const float* __restrict__ gate, float* __restrict__ dx) {
  const int k_total = s.c_out * win.taps();
  const std::int64_t pixels = std::int64_t(s.h) * s.w;  // of one input channel
  const std::int64_t columns = s.n * pixels;
  const std::int64_t n0 = std::int64_t(blockIdx.x) * kTileN;
  const int m0 = int(blockIdx.y) * kTileM;

  GradientColumn<Win> column{nullptr, s.out_h, s.out_w, 0, 0, k_total, win};
  const std::int64_t loaded = n0 + conv_tile::loaded_column();
  if (loaded < columns) {
    const std::int64_t img = loaded / pixels;
    const int pix = int(loaded - img * pixels);
    const int ih = pix / s.w, iw = pix - ih * s.w;
    column.grad = dy + img * s.c_out * s.out_h * s.out_w;
    column.top = ih + s.pad;
    column.left = iw + s.pad;
  }

  float acc[kMicro][kMicro];
  conv_tile::multiply_tile(TransposedWeights<Win>{w, s.c_in, k_total, win}, column, m0, k_total, acc);

  // Epilogue: column (img, pix) of the tile is dx[img, c, pix] = dx[(img·C_in + c)·H·W + pix].
#pragma unroll
  for (int j = 0; j < kMicro; ++j) {
    const std::int64_t col = n0 + conv_tile::result_column(j);
    if (col >= columns) continue;
    const std::int64_t img = col / pixels;
    const std::int64_t offset = img * s.c_in * pixels + (col - img * pixels);
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
  const std::int64_t columns = p.n * p.h * p.w;
  if (columns <= 0 || p.c_in <= 0) return;
  const BackwardShape s{int(p.n),     int(p.c_in),    int(p.h),       int(p.w),
                        int(p.c_out), int(p.out_h()), int(p.out_w()), int(p.pad)};
  const dim3 grid(unsigned((columns + kTileN - 1) / kTileN), unsigned((p.c_in + kTileM - 1) / kTileM));
  if (p.kh == 3 && p.kw == 3 && p.stride == 1)  // every VGG19 convolution
    conv2d_backward_data_kernel<<<grid, kThreads, 0, stream>>>(s, Window<3, 3, 1>{3, 3, 1}, dy, w, gate, dx);
  else
    conv2d_backward_data_kernel<<<grid, kThreads, 0, stream>>>(s, Window<0, 0, 0>{int(p.kh), int(p.kw), int(p.stride)},
                                                               dy, w, gate, dx);
}

}  // namespace nst
