#pragma once
// The 64×64 output tile that gram.cu and losses.cu multiply with: out[r][c] = Σ_k a[k][r]·b[k][c].
// A block of 256 threads, seen as 16×16, owns one 64×64 tile of the output; thread (ty, tx) keeps
// the 4×4 register micro-tile of rows 4·ty..4·ty+3 and columns 4·tx..4·tx+3. The reduction runs in
// K-steps of 16: both operands are staged in shared memory k-major, a[k][row] and b[k][col], so
// one k reads a float4 of a (broadcast: a warp has two values of ty) and a float4 of b (16
// distinct float4s, conflict-free) and does 16 FMAs. Rows are padded by 4 floats, which keeps each
// one 16-byte aligned and spreads the transposing stores over the banks.
// Indices are 64-bit; the grids that tile C and M stay within CUDA's limits by
// gram_cuda_unindexable (kernels/cuda_limits.h), which the engine checks before a launch.
#include <cstdint>

#include "kernels/cuda_limits.h"

namespace nst {

constexpr int kTile = 64;          // output tile edge
constexpr int kStep = 16;          // K-step
constexpr int kTileThreads = 256;  // 16×16 threads, each a 4×4 micro-tile
constexpr int kMicro = 4;          // micro-tile edge
static_assert(kTile == kCudaTileEdge, "the tile that kernels/cuda_limits.h counts blocks of");

// Tiles along a dimension of n (for the grid).
inline unsigned tiles_for(std::int64_t n) { return unsigned((n + kTile - 1) / kTile); }

// One operand of one K-step: stage[k][r] for k < kStep, r < kTile.
struct alignas(16) TileStage {
  float at[kStep][kTile + 4];
};

// The micro-tile's first row and column inside the 64×64 tile.
__device__ __forceinline__ int micro_row() { return (threadIdx.x / 16) * kMicro; }
__device__ __forceinline__ int micro_col() { return (threadIdx.x % 16) * kMicro; }

// Which index of the staged 64×16 block consecutive threads take: the one along which the source
// is contiguous, so that a warp's loads are coalesced.
enum class Contiguous { along_k, along_tile };

// stage[k][r] = element(r0 + r, k0 + k), 0 where r0 + r ≥ r_end or k0 + k ≥ k_end.
// Every thread of the block must call it; the caller synchronizes before the stage is read.
template <Contiguous contiguous, class Element>
__device__ __forceinline__ void load_stage(Element element, std::int64_t r0, std::int64_t r_end, std::int64_t k0,
                                           std::int64_t k_end, TileStage& stage) {
  static_assert(kTile * kStep % kTileThreads == 0, "every thread loads the same number of elements");
#pragma unroll
  for (int pass = 0; pass < kTile * kStep / kTileThreads; ++pass) {
    const int e = pass * kTileThreads + threadIdx.x;
    const int r = contiguous == Contiguous::along_k ? e / kStep : e % kTile;
    const int k = contiguous == Contiguous::along_k ? e % kStep : e / kTile;
    stage.at[k][r] = (r0 + r < r_end && k0 + k < k_end) ? element(r0 + r, k0 + k) : 0.0f;
  }
}

// acc[i][j] += Σ_k a[k][micro_row() + i] · b[k][micro_col() + j] over one K-step.
__device__ __forceinline__ void multiply_stage(const TileStage& a, const TileStage& b, float (&acc)[kMicro][kMicro]) {
  const int row = micro_row(), col = micro_col();
#pragma unroll
  for (int k = 0; k < kStep; ++k) {
    const float4 av = *reinterpret_cast<const float4*>(&a.at[k][row]);
    const float4 bv = *reinterpret_cast<const float4*>(&b.at[k][col]);
    const float as[kMicro] = {av.x, av.y, av.z, av.w}, bs[kMicro] = {bv.x, bv.y, bv.z, bv.w};
#pragma unroll
    for (int i = 0; i < kMicro; ++i)
#pragma unroll
      for (int j = 0; j < kMicro; ++j) acc[i][j] = fmaf(as[i], bs[j], acc[i][j]);
  }
}

}  // namespace nst
