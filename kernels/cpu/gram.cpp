// CPU Gram matrix (kernels/gram.h): G = F·Fᵀ, through OpenBLAS.
// Layout: F (C, M) row-major (one image of an NCHW tensor, M = H·W), G (C, C) row-major.
// Work: fixed tiles over OpenMP threads (kernels/cpu/tiled_blas.h); never called inside an OpenMP region.
// Bound by arithmetic: at conv1_1 for a 256-px image (C = 64, M = 65536) the forward is
// C²·M = 0.27 GFLOP (SYRK computes one triangle of the 2·C²·M = 0.54 GFLOP product) on 16.8 MB of
// F (16 FLOP/byte).
#include "kernels/gram.h"

#include "kernels/cpu/tiled_blas.h"

namespace nst {

void gram_forward_cpu(std::int64_t c, std::int64_t m, const float* f, float* g) {
  // Upper triangle: G[i,j] = Σ_m F[i,m]·F[j,m] for j ≥ i (G's old contents are ignored).
  gram_upper_tiled(c, m, f, g);
  // Mirror it into the lower triangle: G is symmetric.
  for (std::int64_t i = 1; i < c; ++i)
    for (std::int64_t j = 0; j < i; ++j) g[i * c + j] = g[j * c + i];
}

}  // namespace nst
