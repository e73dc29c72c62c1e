#pragma once
// Gram matrix of a layer's features. F is (C, M) row-major: C channels, M = H·W positions
// (one image of an NCHW tensor). G = F·Fᵀ, G[k,k'] = Σ_m F[k,m]·F[k',m] (C×C, symmetric).
#include <cstdint>

#include "kernels/stream.h"

namespace nst {

void gram_forward_cpu(std::int64_t c, std::int64_t m, const float* f, float* g);
void gram_forward_cuda(std::int64_t c, std::int64_t m, const float* f, float* g, Stream stream);

}  // namespace nst
