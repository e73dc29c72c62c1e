#pragma once
// Deterministic block reduction: a warp-shuffle tree inside each warp, then the warps' sums added
// in warp order by the first warp. The order depends only on the launch shape, never on timing.
namespace nst {

__device__ __forceinline__ float warp_sum(float v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
  return v;
}

// Sum of `v` over the block (blockDim.x a multiple of 32, at most 1024); valid in thread 0.
__device__ __forceinline__ float block_sum(float v) {
  __shared__ float warp_sums[32];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  v = warp_sum(v);
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  const int warps = blockDim.x / 32;
  v = (int(threadIdx.x) < warps) ? warp_sums[threadIdx.x] : 0.0f;
  if (warp == 0) v = warp_sum(v);
  __syncthreads();  // warp_sums may be reused by a following call
  return v;
}

}  // namespace nst
