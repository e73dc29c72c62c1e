#pragma once
// Reductions of n contiguous floats to one float written at out[0] (on the vectors' device).
// Both backends sum in a fixed order, so the same input gives the same bits every time.
#include <cstdint>

#include "kernels/stream.h"

namespace nst {

// out = Σ x[i]·y[i]
void dot_cpu(std::int64_t n, const float* x, const float* y, float* out);
void dot_cuda(std::int64_t n, const float* x, const float* y, float* out, Stream stream);

// out = Σ |x[i]|
void asum_cpu(std::int64_t n, const float* x, float* out);
void asum_cuda(std::int64_t n, const float* x, float* out, Stream stream);

}  // namespace nst
