// Gram matrix and its gradient for one image's features F (C, M) row-major, M = H·W:
//   forward   G = F·Fᵀ,          G[i,j] = Σ_m F[i,m]·F[j,m]       (C×C row-major, symmetric)
//   backward  dF = (dG + dGᵀ)·F,  dF[i,m] = Σ_k (dG[i,k] + dG[k,i])·F[k,m]   (C×M, overwritten)
// Both are 64×64-tile GEMMs on kernels/cuda/tile_gemm.cuh (4×4 register micro-tiles, K-steps of 16
// in shared memory).
// Forward: only the upper-triangle tiles (bi ≤ bj) are computed; each writes G[i,j] and its mirror
// G[j,i], so G is exactly symmetric. A VGG Gram is short and wide (C = 64 and M = 65536 at relu1_1,
// 256 px: one tile, a long reduction), so the reduction over M is split into slices: block (tile,
// slice) sums its slice into a scratch tile, and a second kernel adds the slices in slice order.
// The split depends only on (C, M), never on the card or on timing: deterministic, no atomics.
// Backward: one block per 64×64 tile of dF; the (dG + dGᵀ) tile is formed in shared memory
// from a load along each of its two orientations, so both loads are coalesced.
// Arithmetic bound: at relu3_1, 256 px (C = 256, M = 4096) the forward is 2·C²·M = 0.54 GFLOP, of
// which the 10 of 16 tiles in the upper triangle do 0.34 GFLOP, on 4.5 MB of F and G (the tiles'
// rereads of F and the 2.6 MB of slice partials mostly hit L2); the backward is 0.54 GFLOP on
// 8.7 MB (F, dG in; dF out): 60–75 FLOP/byte, above the H100's ~20.
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

// dF tile (rows i of C, columns of M): Σ over K-steps of C of (dG + dGᵀ)[i, k]·F[k, m].
__global__ void gram_backward_kernel(std::int64_t c, std::int64_t m, const float* f, const float* dg, float* df) {
  const std::int64_t row0 = std::int64_t(blockIdx.y) * kTile, col0 = std::int64_t(blockIdx.x) * kTile;
  const auto dg_transposed_at = [dg, c](std::int64_t i, std::int64_t k) { return dg[k * c + i]; };
  const auto dg_at = [dg, c](std::int64_t i, std::int64_t k) { return dg[i * c + k]; };
  const auto f_at = [f, m](std::int64_t col, std::int64_t k) { return f[k * m + col]; };

  __shared__ TileStage sym, cols;
  float acc[kMicro][kMicro] = {};
  for (std::int64_t k0 = 0; k0 < c; k0 += kStep) {
    load_stage<Contiguous::along_tile>(dg_transposed_at, row0, c, k0, c, sym);  // sym[k][i] = dG[k,i]
    load_stage<Contiguous::along_tile>(f_at, col0, m, k0, c, cols);             // cols[k][m] = F[k,m]
    __syncthreads();  // the dGᵀ term is in place before the dG term is added to it
    load_stage<Contiguous::along_k, true>(dg_at, row0, c, k0, c, sym);          // sym[k][i] += dG[i,k]
    __syncthreads();
    multiply_stage(sym, cols, acc);
    __syncthreads();  // before the next step overwrites the stages
  }

  for (int i = 0; i < kMicro; ++i) {
    const std::int64_t row = row0 + micro_row() + i;
    for (int j = 0; j < kMicro; ++j) {
      const std::int64_t col = col0 + micro_col() + j;
      if (row < c && col < m) df[row * m + col] = acc[i][j];
    }
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
  const std::int64_t wanted = std::min(std::max<std::int64_t>(1, kTargetBlocks / upper_tiles),
                                       std::max<std::int64_t>(1, m / kMinSliceLength));
  const std::int64_t slice_length = std::max<std::int64_t>(kStep, ceil_div(ceil_div(m, wanted), kStep) * kStep);
  const int slices = int(std::max<std::int64_t>(1, ceil_div(m, slice_length)));

  gram_tiles_kernel<<<dim3(unsigned(upper_tiles), unsigned(slices)), kTileThreads, 0, stream>>>(
      c, m, f, tiles_per_side, slice_length, g);
  if (slices > 1) {
    const std::int64_t elements = std::int64_t(upper_tiles) * kTileElements;
    gram_sum_slices_kernel<<<blocks_for(elements), kThreadsPerBlock, 0, stream>>>(c, tiles_per_side, upper_tiles,
                                                                                   slices, g);
  }
}

void gram_backward_cuda(std::int64_t c, std::int64_t m, const float* f, const float* dg, float* df, Stream stream) {
  if (c <= 0 || m <= 0) return;
  const dim3 grid(tiles_for(m), tiles_for(c));  // within CUDA's grid limits: gram_cuda_unindexable
  gram_backward_kernel<<<grid, kTileThreads, 0, stream>>>(c, m, f, dg, df);
}

}  // namespace nst
