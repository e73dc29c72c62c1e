#pragma once
// Reductions of n contiguous floats to one float written at out[0] (on the vectors' device).
// Both backends sum in a fixed order, so the same input gives the same bits every time.
#include <cstdint>

#include "kernels/stream.h"

namespace nst {

// The CUDA reductions here and in losses.h and lbfgs_ring.h run in two passes
// (kernels/cuda/partial_sums.cuh): a fixed grid of kReductionScratchFloats blocks leaves one
// partial sum per block in `scratch`, kReductionScratchFloats floats on the device that the caller
// passes in, and one block then adds them in block order. Two reductions may share a scratch only
// if they cannot overlap, i.e. run on one stream (engine/gpu.h: cuda_reduction_scratch()).
constexpr std::int64_t kReductionScratchFloats = 512;

// out = Σ x[i]·y[i]
void dot_cpu(std::int64_t n, const float* x, const float* y, float* out);
void dot_cuda(std::int64_t n, const float* x, const float* y, float* out, float* scratch, Stream stream);

// out = Σ |x[i]|
void asum_cpu(std::int64_t n, const float* x, float* out);
void asum_cuda(std::int64_t n, const float* x, float* out, float* scratch, Stream stream);

}  // namespace nst
