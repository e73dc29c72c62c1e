// Gram matrix of one image's features F (C, M) row-major, M = H·W:
//   G = F·Fᵀ,  G[i,j] = Σ_m F[i,m]·F[j,m]   (C×C row-major, symmetric)
// A 128×128-tile GEMM on the GEMM main loop (gemm_mainloop.cuh) in the math the caller
// chooses (FP32 FMA, TF32 or 3xTF32: kernels/gemm_math.h).
// Forward: only the upper-triangle tiles (bi ≤ bj) are computed, both operands rows of F read by
// cp.async; each element with i ≤ j is written to G[i,j] and to its mirror G[j,i], so G is exactly
// symmetric whatever order a math sums in. A VGG Gram is short and wide (C = 64 and M = 65536 at
// relu1_1, 256 px: one tile, a long reduction), so the reduction over M is split into slices
// (kernels/gram.h's GramSplit): block (tile, slice) sums its slice into the caller's scratch, and a
// second kernel adds the slices in slice order. The split depends only on (C, M): deterministic, no
// atomics.
// Arithmetic bound: at relu3_1, 256 px (C = 256, M = 4096) the forward is 2·C²·M = 0.54 GFLOP, of
// which the 3 of 4 tiles in the upper triangle do 0.40 GFLOP, on 4.5 MB of F and G: ~90 FLOP/byte,
// above the H100's ~20.
#include <algorithm>

#include "kernels/cuda/gemm_mainloop.cuh"
#include "kernels/cuda/gemm_math.cuh"
#include "kernels/cuda/gemm_operands.cuh"
#include "kernels/cuda/launch.cuh"
#include "kernels/gram.h"

namespace nst {

namespace {

constexpr int kTileElements = gemm::kTileM * gemm::kTileN;
static_assert(gemm::kTileM == kGramTileEdge && gemm::kTileN == kGramTileEdge, "kernels/gram.h plans with this tile");

// Upper-triangle tile t (row by row: (0,0), (0,1), …, (0,T−1), (1,1), …) → tile coordinates bi ≤ bj.
__device__ void upper_tile(int t, int tiles_per_side, int& bi, int& bj) {
  bi = 0;
  while (t >= tiles_per_side - bi) {  // skip row bi of the triangle, tiles_per_side − bi tiles long
    t -= tiles_per_side - bi;
    ++bi;
  }
  bj = bi + t;
}

// Writes G[i,j] and its mirror G[j,i] for i ≤ j (the elements below the diagonal of a diagonal
// tile are written as the mirrors of those above).
__device__ void store_gram(std::int64_t c, std::int64_t i, std::int64_t j, float value, float* g) {
  if (i > j || j >= c) return;
  g[i * c + j] = value;
  g[j * c + i] = value;
}

// Block (t, s): the upper tile t's sum over slice s of M. With one slice it writes G; with more,
// partials[s][t].
template <class Math>
__global__ void __launch_bounds__(gemm::kThreads)
    gram_tiles_kernel(std::int64_t c, std::int64_t m, const float* __restrict__ f, int tiles_per_side,
                      std::int64_t slice_length, float* __restrict__ g, float* __restrict__ partials) {
  int bi, bj;
  upper_tile(int(blockIdx.x), tiles_per_side, bi, bj);
  const std::int64_t row0 = std::int64_t(bi) * gemm::kTileM, col0 = std::int64_t(bj) * gemm::kTileN;
  const std::int64_t k_begin = blockIdx.y * slice_length, k_length = min(slice_length, m - k_begin);

  gemm::RowsAlongK rows_i{f + k_begin, m, c, row0, k_length}, rows_j{f + k_begin, m, c, col0, k_length};
  typename Math::Accumulator acc;
  gemm::multiply<Math>(rows_i, rows_j, k_length, acc);

  if (gridDim.y == 1) {
    Math::for_each(acc, [&](int row, int column, float value) { store_gram(c, row0 + row, col0 + column, value, g); });
  } else {
    float* partial = partials + (std::int64_t(blockIdx.y) * gridDim.x + blockIdx.x) * kTileElements;
    Math::for_each(acc, [&](int row, int column, float value) { partial[row * gemm::kTileN + column] = value; });
  }
}

// G[i,j] = Σ_s partials[s][tile][i,j] in slice order, for every element of every upper tile.
__global__ void gram_sum_slices_kernel(std::int64_t c, int tiles_per_side, int upper_tiles, int slices,
                                       const float* __restrict__ partials, float* __restrict__ g) {
  const std::int64_t elements = std::int64_t(upper_tiles) * kTileElements;
  for (const std::int64_t e : grid_stride(elements)) {
    const int t = int(e / kTileElements), within = int(e % kTileElements);
    float sum = 0.0f;
    for (int s = 0; s < slices; ++s) sum += partials[(std::int64_t(s) * upper_tiles + t) * kTileElements + within];
    int bi, bj;
    upper_tile(t, tiles_per_side, bi, bj);
    store_gram(c, std::int64_t(bi) * gemm::kTileM + within / gemm::kTileN,
               std::int64_t(bj) * gemm::kTileN + within % gemm::kTileN, sum, g);
  }
}

}  // namespace

void gram_forward_cuda(std::int64_t c, std::int64_t m, const float* f, float* g, float* scratch, GemmMath math,
                       Stream stream) {
  if (c <= 0) return;
  const GramSplit split = gram_split(c, m);
  gemm::with_math(math, [&](auto policy) {
    using Math = decltype(policy);
    gram_tiles_kernel<Math><<<dim3(unsigned(split.upper_tiles), unsigned(split.slices)), gemm::kThreads, 0, stream>>>(
        c, m, f, split.tiles_per_side, split.slice_length, g, scratch);
  });
  if (split.slices > 1) {
    const std::int64_t elements = std::int64_t(split.upper_tiles) * kTileElements;
    gram_sum_slices_kernel<<<blocks_for(elements), kThreadsPerBlock, 0, stream>>>(
        c, split.tiles_per_side, split.upper_tiles, split.slices, scratch, g);
  }
}

}  // namespace nst
