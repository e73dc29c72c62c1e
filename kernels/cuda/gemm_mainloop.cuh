#pragma once
// The one GEMM main loop of the CUDA kernels (convolution forward and backward-data, Gram, style
// backward): a block of 256 threads computes one 128×128 tile of C = A·B over K, in the spirit of
// CUTLASS's multistage main loop, at our size. Three pieces are template parameters:
//   ALoader, BLoader  put one 128×8 (A) or 8×128 (B) slice of an operand into shared memory,
//                     k-major (stage[k][row]), by cp.async or plain stores (gemm_operands.cuh,
//                     conv2d_operands.cuh); the operands need not exist as matrices in memory.
//   Math              multiplies the staged slices into the thread's accumulators (gemm_math.cuh:
//                     FMA on CUDA cores, TF32 or 3xTF32 on tensor cores) and names the element of
//                     C each accumulator holds, for the caller's epilogue.
//
// The pipeline (kStages shared-memory stages of one K slice each): the loads of slices 0 … S−2 are
// issued up front, each its own cp.async group; iteration s waits until slice s has landed (at most
// S − 2 younger groups in flight), synchronizes (now every thread's copies of slice s are visible,
// and every thread has finished multiplying slice s − 1), issues the loads of slice s + S − 1 into
// the stage that slice s − 1 used, and multiplies slice s. Loaders that store plainly instead of by
// cp.async are ordered by the same barrier. One barrier per K slice.
#include <cstdint>

#include "kernels/cuda/ptx_wrappers.cuh"

namespace nst::gemm {

constexpr int kThreads = 256;
constexpr int kTileM = 128;  // rows of C per block
constexpr int kTileN = 128;  // columns of C per block
constexpr int kTileK = 8;    // the K slice of one stage
constexpr int kStages = 4;
// Floats per staged row: 128 + 8 keeps rows 16-byte aligned (float4 reads) and puts the tensor-core
// fragment reads, stage[t][g] for t < 4 and g < 8, in banks 8·t + g: all 32 distinct.
constexpr int kPitch = kTileM + 8;
static_assert(kTileM == kTileN, "one pitch serves both operands");

// One operand's stages in shared memory: stage[s][k][row].
using Stages = float[kStages][kTileK][kPitch];

// Slices of K a loop over k_total runs (the last one partial: loaders fill past K with 0).
__device__ __forceinline__ std::int64_t slices_of(std::int64_t k_total) { return (k_total + kTileK - 1) / kTileK; }

// acc (zeroed here) = A·B over k < k_total for this block's tile. The loaders' load(stage, slice)
// are called for slices 0, 1, 2, … in that order. Every thread of the block must call it: it
// synchronizes; it returns with shared memory free for the caller.
template <class Math, class ALoader, class BLoader>
__device__ __forceinline__ void multiply(ALoader& a, BLoader& b, std::int64_t k_total,
                                         typename Math::Accumulator& acc) {
  __shared__ __align__(16) Stages a_stages;
  __shared__ __align__(16) Stages b_stages;
  Math::zero(acc);
  const std::int64_t slices = slices_of(k_total);
#pragma unroll
  for (int s = 0; s < kStages - 1; ++s) {
    if (s < slices) {
      a.load(a_stages[s], s);
      b.load(b_stages[s], s);
    }
    ptx::cp_async_commit();  // an empty group past the last slice keeps the count uniform
  }
  for (std::int64_t s = 0; s < slices; ++s) {
    ptx::cp_async_wait<kStages - 2>();  // this thread's copies of slice s have landed
    __syncthreads();                    // everyone's have; everyone is done with slice s − 1
    const std::int64_t next = s + kStages - 1;
    if (next < slices) {
      a.load(a_stages[next % kStages], next);
      b.load(b_stages[next % kStages], next);
    }
    ptx::cp_async_commit();
    Math::multiply(a_stages[s % kStages], b_stages[s % kStages], acc);
  }
  ptx::cp_async_wait<0>();
  __syncthreads();  // the caller may reuse shared memory
}

}  // namespace nst::gemm
