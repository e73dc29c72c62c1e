#pragma once
// A deterministic two-pass reduction to one float, shared by reduce.cu and losses.cu.
//   pass 1: kPartialBlocks blocks of kPartialThreads threads; each thread sums its grid-stride
//           slice (for i : grid_stride(n)), then store_partial adds the block's threads
//           (block_sum) and keeps the block's sum in the scratch g_partials;
//   pass 2: final_sum_kernel, one block, adds the partials in block order and scales the total.
// The grid is fixed, not sized to the GPU, so the summation order and the bits are the same on
// every card and every call.
#include <cstdint>

#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/reduce.cuh"
#include "kernels/stream.h"

namespace nst {

constexpr int kPartialBlocks = 512;
constexpr int kPartialThreads = 256;

// Device code is compiled per translation unit (no relocatable device code), so each .cu file that
// includes this header owns its scratch. Everything runs on one stream, so one copy suffices.
namespace {

__device__ float g_partials[kPartialBlocks];

// Pass 1's last step: the block's sum of `thread_sum` into g_partials[block].
__device__ __forceinline__ void store_partial(float thread_sum) {
  const float block_total = block_sum(thread_sum);
  if (threadIdx.x == 0) g_partials[blockIdx.x] = block_total;
}

// Pass 2: out[0] = scale·Σ_b g_partials[b].
__global__ void final_sum_kernel(float* out, float scale) {
  float s = 0.0f;
  for (int i = threadIdx.x; i < kPartialBlocks; i += kPartialThreads) s += g_partials[i];
  s = block_sum(s);
  if (threadIdx.x == 0) out[0] = scale * s;
}

// Launches pass 2 after a pass-1 kernel on the same stream.
void launch_final_sum(float* out, float scale, Stream stream) {
  final_sum_kernel<<<1, kPartialThreads, 0, stream>>>(out, scale);
}

}  // namespace

}  // namespace nst
