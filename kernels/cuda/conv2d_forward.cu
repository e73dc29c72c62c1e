// Convolution forward as an implicit GEMM on the GEMM main loop (gemm_mainloop.cuh), bias and ReLU
// fused into the epilogue (kernels/conv2d.h):
//   y[n,o,i,j] = max(0, b[o] + Σ_{c,u,v} w[o,c,u,v] · x[n, c, i·s + u − p, j·s + v − p])
// Layout: x (N, C_in, H, W), w (C_out, C_in, KH, KW), b (C_out), y (N, C_out, OH, OW).
//
// As a matrix product Y = W · X_col: M = C_out, N = batch·OH·OW, K = C_in·KH·KW. A = w as stored
// (rows along K, cp.async), B = im2col(x) gathered by cp.async with incremental (channel, tap)
// cursors (conv2d_operands.cuh), never stored. Grid: ⌈N/128⌉ × ⌈M/128⌉ blocks of 256 threads. The
// math is FP32 FMA, TF32 or 3xTF32 (kernels/gemm_math.h); the epilogue adds b, applies ReLU and
// writes each accumulator where its (o, column) lies in y.
//
// Cost, conv3_2 at 256 px (64×64, 256→256, 3×3): 4.83 GFLOP and at least 10.7 MB moved, 450 FLOP
// per byte, bound by arithmetic. The predicted times of each math are in bench/RESULTS.md; none is
// measured yet.
#include <cstdint>

#include "kernels/conv2d.h"
#include "kernels/conv2d_index.h"
#include "kernels/cuda/conv2d_operands.cuh"
#include "kernels/cuda/gemm_mainloop.cuh"
#include "kernels/cuda/gemm_math.cuh"
#include "kernels/cuda/gemm_operands.cuh"

namespace nst {

namespace {

using conv_index::ConvShape;
using conv_index::Window;

template <class Math, class Win>
__global__ void __launch_bounds__(gemm::kThreads)
    conv2d_forward_kernel(ConvShape s, Win win, const float* __restrict__ x, const float* __restrict__ w,
                          const float* __restrict__ b, bool relu, float* __restrict__ y) {
  const int k_total = s.c_in * win.taps();
  const std::int64_t n0 = std::int64_t(blockIdx.x) * gemm::kTileN;
  const int m0 = int(blockIdx.y) * gemm::kTileM;

  gemm::RowsAlongK weights{w, k_total, s.c_out, m0, k_total};
  gemm::ImageColumns<Win> image(s, win, x, n0);
  typename Math::Accumulator acc;
  gemm::multiply<Math>(weights, image, k_total, acc);

  // Column (img, pix) of the tile is y[img, o, pix] = y[(img·C_out + o)·OH·OW + pix] (64-bit:
  // kernels/conv2d_index.h).
  const std::int64_t pixels = s.out_pixels();
  Math::for_each(acc, [&](int row, int column, float value) {
    const int o = m0 + row;
    const std::int64_t col = n0 + column;
    if (o >= s.c_out || col >= s.out_columns()) return;
    const float v = value + b[o];
    y[conv_index::column_offset(col, s.c_out, pixels) + o * pixels] = relu ? fmaxf(v, 0.0f) : v;
  });
}

}  // namespace

void conv2d_forward_cuda(const Conv2dParams& p, const float* x, const float* w, const float* b, bool relu, float* y,
                         GemmMath math, Stream stream) {
  const ConvShape s = conv_index::conv_shape(p);
  if (s.out_columns() <= 0 || s.c_out <= 0) return;
  // One block per 128×128 tile of Y (within CUDA's grid limits: conv2d_cuda_unindexable).
  const dim3 grid(unsigned((s.out_columns() + gemm::kTileN - 1) / gemm::kTileN),
                  unsigned((s.c_out + gemm::kTileM - 1) / gemm::kTileM));
  gemm::with_math(math, [&](auto policy) {
    using Math = decltype(policy);
    if (p.kh == 3 && p.kw == 3 && p.stride == 1)  // every VGG19 convolution
      conv2d_forward_kernel<Math><<<grid, gemm::kThreads, 0, stream>>>(s, Window<3, 3, 1>{3, 3, 1}, x, w, b, relu, y);
    else
      conv2d_forward_kernel<Math><<<grid, gemm::kThreads, 0, stream>>>(
          s, Window<0, 0, 0>{int(p.kh), int(p.kw), int(p.stride)}, x, w, b, relu, y);
  });
}

}  // namespace nst
