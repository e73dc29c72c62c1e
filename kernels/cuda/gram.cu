// Gram matrix of one image's features F (C, M) row-major, M = H·W:
//   G = F·Fᵀ,  G[i,j] = Σ_m F[i,m]·F[j,m]  (C×C row-major, symmetric)
// A 64×64-tile GEMM on kernels/cuda/tile_gemm.cuh (4×4 register micro-tiles, K-steps of 16 in shared
// memory). (The style loss's gradient, which goes through G, is fused in losses.cu.)
// Only the upper-triangle tiles (bi ≤ bj) are computed; each writes G[i,j] and its mirror
// G[j,i], so G is exactly symmetric. A VGG Gram is short and wide (C = 64 and M = 65536 at relu1_1,
// 256 px: one tile, a long reduction), so the reduction over M is split into slices: block (tile,
// slice) sums its slice into a scratch tile, and a second kernel adds the slices in slice order.
// The split depends only on (C, M), never on the card or on timing: deterministic, no atomics.
// Arithmetic bound: at relu3_1, 256 px (C = 256, M = 4096) the forward is 2·C²·M = 0.54 GFLOP, of
// which the 10 of 16 tiles in the upper triangle do 0.34 GFLOP, on 4.5 MB of F and G (the tiles'
// rereads of F and the 2.6 MB of slice partials mostly hit L2): 75 FLOP/byte, above the H100's ~20.
#include <algorithm>

#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/tile_gemm.cuh"
#include "kernels/gram.h"

namespace nst {

namespace {

constexpr int kTileElements = kTile * kTile;
// The forward aims at about this many blocks (two per SM of a 132-SM H100) when it splits the
// reduction, and never splits it below slices of kMinSliceLength positions.
constexpr std::int64_t kTargetBlocks = 256;
constexpr std::int64_t kMinSliceLength = 256;

// Per-(slice, tile) partial Gram tiles. A split runs at most kTargetBlocks blocks
// (see gram_forward_cuda). They are written with 16-byte float4 stores, each a multiple of 4 floats
// into the buffer, so the buffer must be 16-byte aligned: a plain __device__ float array is only
// 4-byte aligned in the PTX. The type carries the alignment, and the static_assert keeps it.
struct alignas(16) SlicePartials {
  float at[kTargetBlocks * kTileElements];
};
static_assert(alignof(SlicePartials) % alignof(float4) == 0, "float4 stores into the slice partials");
__device__ SlicePartials g_slice_partials;

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// Upper-triangle tile t (row by row: (0,0), (0,1), …, (0,T−1), (1,1), …) → tile coordinates bi ≤ bj.
__device__ void upper_tile(int t, int tiles_per_side, int& bi, int& bj) {
  bi = 0;
  while (t >= tiles_per_side - bi) {  // skip row bi of the triangle, tiles_per_side − bi tiles long
    t -= tiles_per_side - bi;
    ++bi;
  }
  bj = bi + t;
}

// Writes one G element and its mirror. A diagonal tile holds both (i, j) and (j, i) itself.
__device__ void store_gram(std::int64_t c, std::int64_t i, std::int64_t j, bool off_diagonal_tile, float value,
                           float* g) {
  if (i >= c || j >= c) return;
  g[i * c + j] = value;
  if (off_diagonal_tile) g[j * c + i] = value;
}

// Block (t, s): the upper tile t's sum over slice s of M. With one slice it writes G; with more,
// g_slice_partials[s][t].
__global__ void gram_tiles_kernel(std::int64_t c, std::int64_t m, const float* f, int tiles_per_side,
                                  std::int64_t slice_length, float* g) {
  int bi, bj;
  upper_tile(blockIdx.x, tiles_per_side, bi, bj);
  const std::int64_t row0 = std::int64_t(bi) * kTile, col0 = std::int64_t(bj) * kTile;
  const std::int64_t k_begin = blockIdx.y * slice_length, k_end = min(k_begin + slice_length, m);
  const auto f_at = [f, m](std::int64_t row, std::int64_t k) { return f[row * m + k]; };

  __shared__ TileStage rows_i, rows_j;
  float acc[kMicro][kMicro] = {};
  for (std::int64_t k0 = k_begin; k0 < k_end; k0 += kStep) {
    load_stage<Contiguous::along_k>(f_at, row0, c, k0, k_end, rows_i);
    load_stage<Contiguous::along_k>(f_at, col0, c, k0, k_end, rows_j);
    __syncthreads();
    multiply_stage(rows_i, rows_j, acc);
    __syncthreads();  // before the next step overwrites the stages
  }

  if (gridDim.y == 1) {
    for (int i = 0; i < kMicro; ++i)
      for (int j = 0; j < kMicro; ++j)
        store_gram(c, row0 + micro_row() + i, col0 + micro_col() + j, bi != bj, acc[i][j], g);
  } else {
    float* partial = g_slice_partials.at + (std::int64_t(blockIdx.y) * gridDim.x + blockIdx.x) * kTileElements;
    for (int i = 0; i < kMicro; ++i)
      *reinterpret_cast<float4*>(&partial[(micro_row() + i) * kTile + micro_col()]) =
          make_float4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]);
  }
}

// G[i,j] = Σ_s partial[s][tile][i,j] in slice order, for every element of every upper tile.
__global__ void gram_sum_slices_kernel(std::int64_t c, int tiles_per_side, int upper_tiles, int slices, float* g) {
  const std::int64_t elements = std::int64_t(upper_tiles) * kTileElements;
  for (std::int64_t e = blockIdx.x * std::int64_t(blockDim.x) + threadIdx.x; e < elements;
       e += std::int64_t(gridDim.x) * blockDim.x) {
    const int t = int(e / kTileElements), within = int(e % kTileElements);
    float sum = 0.0f;
    for (int s = 0; s < slices; ++s)
      sum += g_slice_partials.at[(std::int64_t(s) * upper_tiles + t) * kTileElements + within];
    int bi, bj;
    upper_tile(t, tiles_per_side, bi, bj);
    store_gram(c, std::int64_t(bi) * kTile + within / kTile, std::int64_t(bj) * kTile + within % kTile, bi != bj, sum,
               g);
  }
}

}  // namespace

void gram_forward_cuda(std::int64_t c, std::int64_t m, const float* f, float* g, Stream stream) {
  if (c <= 0) return;
  // ⌈C/64⌉ ≤ 65535 (gram_cuda_unindexable, kernels/cuda_limits.h), so the upper triangle's tile
  // count fits an int; its product is formed in 64 bits, where T·(T + 1) does not fit.
  const int tiles_per_side = int(tiles_for(c));
  const int upper_tiles = int(std::int64_t(tiles_per_side) * (tiles_per_side + 1) / 2);
  // Slices: enough to bring the blocks near kTargetBlocks, none shorter than kMinSliceLength, each
  // a whole number of K-steps, none empty. More than one only when upper_tiles·slices ≤ kTargetBlocks,
  // so the partials fit g_slice_partials.
  const std::int64_t wanted =
      std::min(std::max<std::int64_t>(1, kTargetBlocks / upper_tiles), std::max<std::int64_t>(1, m / kMinSliceLength));
  const std::int64_t slice_length = std::max<std::int64_t>(kStep, ceil_div(ceil_div(m, wanted), kStep) * kStep);
  const int slices = int(std::max<std::int64_t>(1, ceil_div(m, slice_length)));

  gram_tiles_kernel<<<dim3(unsigned(upper_tiles), unsigned(slices)), kTileThreads, 0, stream>>>(c, m, f, tiles_per_side,
                                                                                                slice_length, g);
  if (slices > 1) {
    const std::int64_t elements = std::int64_t(upper_tiles) * kTileElements;
    gram_sum_slices_kernel<<<blocks_for(elements), kThreadsPerBlock, 0, stream>>>(c, tiles_per_side, upper_tiles,
                                                                                  slices, g);
  }
}

}  // namespace nst
