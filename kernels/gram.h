#pragma once
// Gram matrix of a layer's features. F is (C, M) row-major: C channels, M = H·W positions
// (one image of an NCHW tensor). G = F·Fᵀ, G[k,k'] = Σ_m F[k,m]·F[k',m] (C×C, symmetric).
// The CUDA kernels compute in `math` (kernels/gemm_math.h); the CPU ones in FP32.
#include <algorithm>
#include <cstdint>

#include "kernels/gemm_math.h"
#include "kernels/stream.h"

namespace nst {

// How the CUDA forward splits its work (kernels/cuda/gram.cu): the upper-triangle tiles of G,
// 128×128 each, times `slices` slices of the reduction over M. It aims at about kTargetBlocks blocks
// (two per SM of a 132-SM H100) and never cuts a slice below kMinSliceLength positions; the split
// depends only on (C, M). With more than one slice the partial tiles go to a scratch buffer of
// scratch_floats floats, which the caller provides.
constexpr std::int64_t kGramTileEdge = 128;
struct GramSplit {
  int tiles_per_side, upper_tiles, slices;
  std::int64_t slice_length;
  std::int64_t scratch_floats() const {
    return slices > 1 ? std::int64_t(upper_tiles) * slices * kGramTileEdge * kGramTileEdge : 0;
  }
};

inline GramSplit gram_split(std::int64_t c, std::int64_t m) {
  constexpr std::int64_t kTargetBlocks = 256, kMinSliceLength = 256, kSliceMultiple = 8;  // 8: the main loop's K slice
  const auto ceil_div = [](std::int64_t a, std::int64_t b) { return (a + b - 1) / b; };
  GramSplit s{};
  // ⌈C/128⌉ ≤ 65535 (gram_cuda_unindexable, kernels/cuda_limits.h), so the upper triangle's tile
  // count fits an int; its product is formed in 64 bits, where T·(T + 1) does not fit.
  s.tiles_per_side = int(ceil_div(std::max<std::int64_t>(c, 1), kGramTileEdge));
  s.upper_tiles = int(std::int64_t(s.tiles_per_side) * (s.tiles_per_side + 1) / 2);
  const std::int64_t wanted = std::min(std::max<std::int64_t>(1, kTargetBlocks / s.upper_tiles),
                                       std::max<std::int64_t>(1, m / kMinSliceLength));
  s.slice_length = std::max(kSliceMultiple,
                            ceil_div(ceil_div(std::max<std::int64_t>(m, 1), wanted), kSliceMultiple) * kSliceMultiple);
  s.slices = int(std::max<std::int64_t>(1, ceil_div(m, s.slice_length)));
  return s;
}

void gram_forward_cpu(std::int64_t c, std::int64_t m, const float* f, float* g);
// `scratch` holds gram_split(c, m).scratch_floats() floats (may be null when that is 0).
void gram_forward_cuda(std::int64_t c, std::int64_t m, const float* f, float* g, float* scratch, GemmMath math,
                       Stream stream);

}  // namespace nst
