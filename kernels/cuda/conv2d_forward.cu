// Convolution forward as an implicit GEMM on the GEMM main loop (gemm_mainloop.cuh), bias and ReLU
// fused into the epilogue (kernels/conv2d.h):
//   y[n,o,i,j] = max(0, b[o] + Σ_{c,u,v} w[o,c,u,v] · x[n, c, i·s + u − p, j·s + v − p])
// Layout: x (N, C_in, H, W), w (C_out, C_in, KH, KW), b (C_out), y (N, C_out, OH, OW).
//
// As a matrix product Y = W · X_col: M = C_out, N = batch·OH·OW, K = C_in·KH·KW. A = w as stored
// (rows along K, cp.async), B = im2col(x) gathered by cp.async with incremental (channel, tap)
// cursors (conv2d_operands.cuh), never stored. Grid: ⌈N/128⌉ × ⌈M/128⌉ × parts blocks of 256
// threads. The math is FP32 FMA, TF32 or 3xTF32 (kernels/gemm_math.h); the epilogue adds b,
// applies ReLU and writes each accumulator where its (o, column) lies in y. A grid too small for
// the card splits K into parts (kernels/conv2d_split.h): each part writes its partial product to
// the scratch, and conv2d_forward_reduce sums the parts in order and applies the epilogue.
//
// Cost, conv3_2 at 256 px (64×64, 256→256, 3×3): 4.83 GFLOP and at least 10.7 MB moved, 450 FLOP
// per byte, bound by arithmetic. The predicted times of each math are in bench/RESULTS.md; none is
// measured yet.
#include <cstdint>

#include "kernels/conv2d.h"
#include "kernels/conv2d_index.h"
#include "kernels/conv2d_split.h"
#include "kernels/cuda/conv2d_operands.cuh"
#include "kernels/cuda/gemm_mainloop.cuh"
#include "kernels/cuda/gemm_math.cuh"
#include "kernels/cuda/gemm_operands.cuh"
#include "kernels/cuda/launch.cuh"

namespace nst {

namespace {

using conv_index::ConvShape;
using conv_index::Window;

// y's element for row o and GEMM column col: y[img, o, pix] = y[(img·C_out + o)·OH·OW + pix]
// (64-bit: kernels/conv2d_index.h), with b and ReLU applied to the sum.
__device__ __forceinline__ void store_output(const ConvShape& s, int o, std::int64_t col, float sum,
                                             const float* __restrict__ b, bool relu, float* __restrict__ y) {
  const float v = sum + b[o];
  y[conv_index::column_offset(col, s.c_out, s.out_pixels()) + o * s.out_pixels()] = relu ? fmaxf(v, 0.0f) : v;
}

// Part blockIdx.z of K, slices [z·part_slices, (z + 1)·part_slices) of it; `partial` null: the
// only part, stored with the epilogue; else partial[z][o][col], for conv2d_forward_reduce.
template <class Math, class Win>
__global__ void __launch_bounds__(gemm::kThreads)
    conv2d_forward_kernel(ConvShape s, Win win, const float* __restrict__ x, const float* __restrict__ w,
                          const float* __restrict__ b, bool relu, float* __restrict__ y, int part_slices,
                          float* __restrict__ partial) {
  const int k_total = s.c_in * win.taps();
  const int k0 = int(blockIdx.z) * part_slices * gemm::kTileK;
  const int k_part = k_total - k0 < part_slices * gemm::kTileK ? k_total - k0 : part_slices * gemm::kTileK;
  const std::int64_t n0 = std::int64_t(blockIdx.x) * gemm::kTileN;
  const int m0 = int(blockIdx.y) * gemm::kTileM;

  gemm::RowsAlongK weights{w + k0, k_total, s.c_out, m0, k_part};
  gemm::ImageColumns<Win> image(s, win, x, n0, k0);
  typename Math::Accumulator acc;
  gemm::multiply<Math>(weights, image, k_part, acc);

  const std::int64_t columns = s.out_columns();
  Math::for_each(acc, [&](int row, int column, float value) {
    const int o = m0 + row;
    const std::int64_t col = n0 + column;
    if (o >= s.c_out || col >= columns) return;
    if (partial == nullptr)
      store_output(s, o, col, value, b, relu, y);
    else
      partial[(std::int64_t(blockIdx.z) * s.c_out + o) * columns + col] = value;
  });
}

// y = the sum of the parts' partial products, in part order, with the epilogue.
__global__ void conv2d_forward_reduce(ConvShape s, int parts, const float* __restrict__ partial,
                                      const float* __restrict__ b, bool relu, float* __restrict__ y) {
  const std::int64_t columns = s.out_columns(), elements = std::int64_t(s.c_out) * columns;
  for (const std::int64_t i : grid_stride(elements)) {
    float sum = 0.0f;
    for (int part = 0; part < parts; ++part) sum += partial[part * elements + i];
    store_output(s, int(i / columns), i % columns, sum, b, relu, y);
  }
}

}  // namespace

void conv2d_forward_cuda(const Conv2dParams& p, const float* x, const float* w, const float* b, bool relu, float* y,
                         float* scratch, GemmMath math, Stream stream) {
  const ConvShape s = conv_index::conv_shape(p);
  if (s.out_columns() <= 0 || s.c_out <= 0) return;
  const ConvSplit split = conv2d_forward_split(p);
  float* sums = split.parts > 1 ? scratch : nullptr;  // the parts' partial sums
  // One block per 128×128 tile of Y and part of K (within CUDA's grid limits: conv2d_cuda_unindexable).
  const dim3 grid(unsigned((s.out_columns() + gemm::kTileN - 1) / gemm::kTileN),
                  unsigned((s.c_out + gemm::kTileM - 1) / gemm::kTileM), unsigned(split.parts));
  const int per_part = int(split.part_slices);
  gemm::with_math(math, [&](auto policy) {
    using Math = decltype(policy);
    const auto launch = [&](auto win) {
      conv2d_forward_kernel<Math><<<grid, gemm::kThreads, 0, stream>>>(s, win, x, w, b, relu, y, per_part, sums);
    };
    if (p.kh == 3 && p.kw == 3 && p.stride == 1)  // every VGG19 convolution
      launch(Window<3, 3, 1>{3, 3, 1});
    else
      launch(Window<0, 0, 0>{int(p.kh), int(p.kw), int(p.stride)});
  });
  if (sums == nullptr) return;
  const std::int64_t elements = std::int64_t(s.c_out) * s.out_columns();
  conv2d_forward_reduce<<<blocks_for(elements), kThreadsPerBlock, 0, stream>>>(s, split.parts, sums, b, relu, y);
}

}  // namespace nst
