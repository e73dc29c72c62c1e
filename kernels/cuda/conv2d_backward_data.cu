// Convolution backward-data (the transposed convolution) as an implicit GEMM on the GEMM main loop
// (gemm_mainloop.cuh), with ReLU's backward fused into the epilogue (kernels/conv2d.h):
//   dx[n,c,h,w] = Σ_{o,u,v} w[o,c,u,v] · dy[n, o, (h + p − u)/s, (w + p − v)/s]
//   over the terms where both divisions are exact and land inside dy; dx = 0 where gate <= 0.
// Layout: dy (N, C_out, OH, OW), w (C_out, C_in, KH, KW), gate and dx (N, C_in, H, W).
//
// As a matrix product dX = Wᵀ · DY_col: M = C_in, N = batch·H·W, K = C_out·KH·KW. A is Wᵀ (row c,
// column k = (o, u, v) holds w[o, c, u, v]), re-laid once per run row-major (C_in × K,
// conv2d_transposed_weights.cu) and read by the plain row-major loader (gemm_operands.cuh:
// RowsAlongK, 8 neighbouring threads reading 8 consecutive k of a row). It copies 4 bytes at a time:
// the stages are k-major (stage[k][row], for the math's fragment reads), so the 4 consecutive k of
// one row that a 16-byte cp.async carries would land in 4 stage rows, which cp.async cannot scatter.
// DY_col's column (n, h, w), row (o, u, v) holds the dy term above, 0 where there is none; it is not
// stored but gathered by cp.async with incremental (channel, tap) cursors (conv2d_operands.cuh)
// through the index map of kernels/conv2d_index.h (64-bit offsets). Grid: ⌈N/128⌉ × ⌈M/128⌉ blocks of 256 threads; the
// math is FP32 FMA, TF32 or 3xTF32 (kernels/gemm_math.h). dx is overwritten, each element once
// (no atomics, so the result is deterministic). Layers with few input channels (C_in ≤ 8: conv1_1),
// whose 128-row tiles would be mostly idle, take a direct kernel instead
// (conv2d_backward_data_small_m.cu, kernels/conv2d_small_m.h).
//
// Cost, conv3_2 at 256 px: the same 4.83 GFLOP and ≥ 10.7 MB as the forward, bound by arithmetic;
// predicted times in bench/RESULTS.md, not yet measured.
#include <cstdint>

#include "kernels/conv2d.h"
#include "kernels/conv2d_index.h"
#include "kernels/conv2d_small_m.h"
#include "kernels/conv2d_split.h"
#include "kernels/cuda/conv2d_operands.cuh"
#include "kernels/cuda/gemm_mainloop.cuh"
#include "kernels/cuda/gemm_math.cuh"
#include "kernels/cuda/launch.cuh"

namespace nst {

namespace {

using conv_index::ConvShape;
using conv_index::Window;

// dx's element for row c and GEMM column col, dx[img, c, pix] = dx[(img·C_in + c)·H·W + pix]
// (64-bit: kernels/conv2d_index.h): the sum, or 0 where the gate is <= 0.
__device__ __forceinline__ void store_input_gradient(const ConvShape& s, int c, std::int64_t col, float sum,
                                                     const float* __restrict__ gate, float* __restrict__ dx) {
  const std::int64_t at = conv_index::column_offset(col, s.c_in, s.in_pixels()) + c * s.in_pixels();
  dx[at] = (gate != nullptr && gate[at] <= 0.0f) ? 0.0f : sum;
}

// Part blockIdx.z of K, slices [z·part_slices, (z + 1)·part_slices) of it; `partial` null: the
// only part, stored with the epilogue; else partial[z][c][col], for conv2d_backward_data_reduce.
template <class Math, class Win>
__global__ void __launch_bounds__(gemm::kThreads)
    conv2d_backward_data_kernel(ConvShape s, Win win, const float* __restrict__ dy, const float* __restrict__ w_t,
                                const float* __restrict__ gate, float* __restrict__ dx, int part_slices,
                                float* __restrict__ partial) {
  const int k_total = s.c_out * win.taps();
  const int k0 = int(blockIdx.z) * part_slices * gemm::kTileK;
  const int k_part = k_total - k0 < part_slices * gemm::kTileK ? k_total - k0 : part_slices * gemm::kTileK;
  const std::int64_t n0 = std::int64_t(blockIdx.x) * gemm::kTileN;
  const int m0 = int(blockIdx.y) * gemm::kTileM;

  gemm::RowsAlongK weights{w_t + k0, k_total, s.c_in, m0, k_part};  // Wᵀ's columns [k0, k0 + k_part)
  gemm::GradientColumns<Win> gradient(s, win, dy, n0, k0);
  typename Math::Accumulator acc;
  gemm::multiply<Math>(weights, gradient, k_part, acc);

  const std::int64_t columns = s.in_columns();
  Math::for_each(acc, [&](int row, int column, float value) {
    const int c = m0 + row;
    const std::int64_t col = n0 + column;
    if (c >= s.c_in || col >= columns) return;
    if (partial == nullptr)
      store_input_gradient(s, c, col, value, gate, dx);
    else
      partial[(std::int64_t(blockIdx.z) * s.c_in + c) * columns + col] = value;
  });
}

// dx = the sum of the parts' partial products, in part order, gated.
__global__ void conv2d_backward_data_reduce(ConvShape s, int parts, const float* __restrict__ partial,
                                            const float* __restrict__ gate, float* __restrict__ dx) {
  const std::int64_t columns = s.in_columns(), elements = std::int64_t(s.c_in) * columns;
  for (const std::int64_t i : grid_stride(elements)) {
    float sum = 0.0f;
    for (int part = 0; part < parts; ++part) sum += partial[part * elements + i];
    store_input_gradient(s, int(i / columns), i % columns, sum, gate, dx);
  }
}

}  // namespace

void conv2d_backward_data_cuda(const Conv2dParams& p, const float* dy, const float* w_t, const float* gate, float* dx,
                               float* scratch, GemmMath math, Stream stream) {
  const ConvShape s = conv_index::conv_shape(p);
  if (s.in_columns() <= 0 || s.c_in <= 0) return;
  if (conv2d_backward_data_small_m(p)) {  // C_in ≤ 8: a 128-row tile would be mostly idle
    conv2d_backward_data_small_m_cuda(p, dy, w_t, gate, dx, stream);
    return;
  }
  const ConvSplit split = conv2d_backward_data_split(p);
  float* sums = split.parts > 1 ? scratch : nullptr;  // the parts' partial sums
  // One block per 128×128 tile of dX and part of K (within CUDA's grid limits: conv2d_cuda_unindexable).
  const dim3 grid(unsigned((s.in_columns() + gemm::kTileN - 1) / gemm::kTileN),
                  unsigned((s.c_in + gemm::kTileM - 1) / gemm::kTileM), unsigned(split.parts));
  const int per_part = int(split.part_slices);
  gemm::with_math(math, [&](auto policy) {
    using Math = decltype(policy);
    const auto launch = [&](auto win) {
      conv2d_backward_data_kernel<Math><<<grid, gemm::kThreads, 0, stream>>>(s, win, dy, w_t, gate, dx, per_part, sums);
    };
    if (p.kh == 3 && p.kw == 3 && p.stride == 1)  // every VGG19 convolution
      launch(Window<3, 3, 1>{3, 3, 1});
    else
      launch(Window<0, 0, 0>{int(p.kh), int(p.kw), int(p.stride)});
  });
  if (sums == nullptr) return;
  const std::int64_t elements = std::int64_t(s.c_in) * s.in_columns();
  conv2d_backward_data_reduce<<<blocks_for(elements), kThreadsPerBlock, 0, stream>>>(s, split.parts, sums, gate, dx);
}

}  // namespace nst
