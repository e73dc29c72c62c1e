// CPU Gram matrix (kernels/gram.h): G = F·Fᵀ and its backward dF = (dG + dGᵀ)·F, through OpenBLAS.
// Layout: F (C, M) row-major (one image of an NCHW tensor, M = H·W), G and dG (C, C) row-major.
// Work: OpenBLAS threads itself; these functions are never called inside an OpenMP region.
// Bound by arithmetic: at conv1_1 for a 256-px image (C = 64, M = 65536) the forward is
// C²·M = 0.27 GFLOP (SYRK computes one triangle of the 2·C²·M = 0.54 GFLOP product) on 16.8 MB of
// F (16 FLOP/byte); the backward is two GEMMs, 4·C²·M = 1.07 GFLOP on 33.6 MB (F in, dF out).
#include "kernels/gram.h"

#include <cblas.h>

namespace nst {

void gram_forward_cpu(std::int64_t c, std::int64_t m, const float* f, float* g) {
  const auto n = static_cast<blasint>(c), k = static_cast<blasint>(m);
  // Upper triangle: G[i,j] = Σ_m F[i,m]·F[j,m] for j ≥ i (beta = 0: G's old contents are ignored).
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, n, k, 1.0f, f, k, 0.0f, g, n);
  // Mirror it into the lower triangle: G is symmetric.
  for (std::int64_t i = 1; i < c; ++i)
    for (std::int64_t j = 0; j < i; ++j) g[i * c + j] = g[j * c + i];
}

void gram_backward_cpu(std::int64_t c, std::int64_t m, const float* f, const float* dg, float* df) {
  const auto n = static_cast<blasint>(c), k = static_cast<blasint>(m);
  // dF = dG·F, then dF += dGᵀ·F.
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, k, n, 1.0f, dg, n, f, k, 0.0f, df, k);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, k, n, 1.0f, dg, n, f, k, 1.0f, df, k);
}

}  // namespace nst
