#pragma once
// A deterministic two-pass reduction to one float, shared by reduce.cu, losses.cu and lbfgs_ring.cu.
//   pass 1: kPartialBlocks blocks of kPartialThreads threads; each thread sums its grid-stride
//           slice (for i : grid_stride(n)), then store_partial adds the block's threads (block_sum)
//           and keeps the block's sum in partials[block], the caller's scratch (kernels/reduce.h);
//   pass 2: final_sum_kernel, one block, adds the partials in block order and scales the total.
// The grid is fixed, not sized to the GPU, so the summation order and the bits are the same on
// every card and every call.
#include <cstdint>

#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/reduce.cuh"
#include "kernels/reduce.h"
#include "kernels/stream.h"

namespace nst {

constexpr int kPartialBlocks = static_cast<int>(kReductionScratchFloats);  // one partial per block
constexpr int kPartialThreads = 256;

namespace {

// Pass 1's last step: the block's sum of `thread_sum` into partials[block].
__device__ __forceinline__ void store_partial(float thread_sum, float* partials) {
  const float block_total = block_sum(thread_sum);
  if (threadIdx.x == 0) partials[blockIdx.x] = block_total;
}

// Pass 2: out[0] = scale·Σ_b partials[b].
__global__ void final_sum_kernel(const float* partials, float* out, float scale) {
  float s = 0.0f;
  for (int i = threadIdx.x; i < kPartialBlocks; i += kPartialThreads) s += partials[i];
  s = block_sum(s);
  if (threadIdx.x == 0) out[0] = scale * s;
}

// Launches pass 2 after a pass-1 kernel that filled `partials` on the same stream.
void launch_final_sum(const float* partials, float* out, float scale, Stream stream) {
  final_sum_kernel<<<1, kPartialThreads, 0, stream>>>(partials, out, scale);
}

}  // namespace

}  // namespace nst
