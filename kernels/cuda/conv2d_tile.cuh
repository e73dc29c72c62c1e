#pragma once
// One block tile of an implicit GEMM, C[64×64] = A[64×K] · B[K×64], shared by the convolution
// kernels. Neither operand exists in device memory as a matrix: A and B are functors that compute
// one element on the fly (a weight, read plainly or transposed; a pixel gathered through the
// im2col index map), returning 0 outside the matrix, so M, N and K need not divide the tile.
//
// Thread roles (256 threads, t = threadIdx.x):
//   loading A:  column a_k = t % 8, rows a_m = t / 8 and a_m + 32 of the 64×8 slice
//               (8 consecutive threads read 8 consecutive k of a weight row);
//   loading B:  column b_n = t % 64, rows b_k = t / 64 and b_k + 4 of the 8×64 slice
//               (a warp reads 32 neighbouring output pixels: consecutive addresses in the image);
//   computing:  rows 4·ty … 4·ty+3 and columns 4·tx … 4·tx+3 of C, tx = t % 16, ty = t / 16.
// Shared memory holds each 8-wide K slice k-major (as[k][m], bs[k][n]) so a thread reads its four
// A values and four B values of one k as two float4s. Rows are padded to 68 floats: still 16-byte
// aligned, and the A stores (k = t % 8, m = t / 8) fall in 32 different banks.
//
// Double buffering: while the block multiplies slice s out of buffer s % 2, each thread already
// holds slice s + 1 in registers (its global loads were issued before the multiply), and stores it
// into the other buffer afterwards. One __syncthreads per slice then separates both hazards: the
// stores into buffer (s+1) % 2 from the reads of it in slice s − 1, and the reads in slice s + 1
// from those stores.
#include <cstdint>

#include "kernels/conv2d_index.h"
#include "kernels/cuda_limits.h"

namespace nst::conv_tile {

constexpr int kThreads = 256;
constexpr int kTileM = 64;
constexpr int kTileN = 64;
constexpr int kTileK = 8;
constexpr int kPitch = kTileM + 4;  // floats per shared row; kTileM == kTileN
constexpr int kMicro = 4;           // each thread computes a kMicro × kMicro block of C
static_assert(kTileM == kTileN && kThreads == (kTileM / kMicro) * (kTileN / kMicro), "tile shape");
static_assert(2 * kThreads == kTileM * kTileK && 2 * kThreads == kTileK * kTileN, "two loads of A and of B per thread");
static_assert(kTileM == kCudaTileEdge && kTileN == kCudaTileEdge, "the tile kernels/cuda_limits.h counts blocks of");

// The convolution window (kernel extent and stride) and the operands' index maps live in
// kernels/conv2d_index.h, where a CPU test can check them.
using conv_index::Window;

// A thread's registers for the next K slice: two elements of A and two of B.
template <class AMatrix, class BColumn>
struct SliceStager {
  AMatrix a;  // a(m, k): element of A, 0 outside
  BColumn b;  // b(k): element of this thread's column of B, 0 outside
  int m0;     // first row of the block's tile
  int a_k, a_m, b_k, b_n;
  float a_next[2], b_next[2];

  __device__ SliceStager(const AMatrix& a_in, const BColumn& b_in, int m0_in)
      : a(a_in),
        b(b_in),
        m0(m0_in),
        a_k(threadIdx.x % kTileK),
        a_m(threadIdx.x / kTileK),
        b_k(threadIdx.x / kTileN),
        b_n(threadIdx.x % kTileN),
        a_next(),
        b_next() {}

  __device__ void fetch(int k0) {
    a_next[0] = a(m0 + a_m, k0 + a_k);
    a_next[1] = a(m0 + a_m + kTileM / 2, k0 + a_k);
    b_next[0] = b(k0 + b_k);
    b_next[1] = b(k0 + b_k + kTileK / 2);
  }

  __device__ void stash(float (*as)[kPitch], float (*bs)[kPitch]) const {
    as[a_k][a_m] = a_next[0];
    as[a_k][a_m + kTileM / 2] = a_next[1];
    bs[b_k][b_n] = b_next[0];
    bs[b_k + kTileK / 2][b_n] = b_next[1];
  }
};

// The column of B that this thread loads (the caller builds its BColumn functor for it).
__device__ __forceinline__ int loaded_column() { return threadIdx.x % kTileN; }

// The row and the column of C that acc[i][j] of this thread holds.
__device__ __forceinline__ int result_row(int i) { return kMicro * (threadIdx.x / (kTileN / kMicro)) + i; }
__device__ __forceinline__ int result_column(int j) { return kMicro * (threadIdx.x % (kTileN / kMicro)) + j; }

// acc[i][j] = Σ_{k < k_total} A[m0 + result_row(i), k] · B[k, result_column(j)]. `b` is this
// thread's column of B (column loaded_column() of the tile). Every thread of the block must call
// this: it synchronizes.
template <class AMatrix, class BColumn>
__device__ __forceinline__ void multiply_tile(const AMatrix& a, const BColumn& b, int m0, int k_total,
                                              float (&acc)[kMicro][kMicro]) {
  __shared__ __align__(16) float as[2][kTileK][kPitch];
  __shared__ __align__(16) float bs[2][kTileK][kPitch];
  const int tx = threadIdx.x % (kTileN / kMicro), ty = threadIdx.x / (kTileN / kMicro);

#pragma unroll
  for (int i = 0; i < kMicro; ++i)
#pragma unroll
    for (int j = 0; j < kMicro; ++j) acc[i][j] = 0.0f;

  SliceStager<AMatrix, BColumn> stager(a, b, m0);
  const int slices = (k_total + kTileK - 1) / kTileK;
  stager.fetch(0);
  stager.stash(as[0], bs[0]);
  __syncthreads();
  for (int s = 0; s < slices; ++s) {
    const int buf = s % 2;
    const bool more = s + 1 < slices;  // the same for every thread: the barrier below is uniform
    if (more) stager.fetch((s + 1) * kTileK);
#pragma unroll
    for (int k = 0; k < kTileK; ++k) {
      const float4 av = *reinterpret_cast<const float4*>(&as[buf][k][kMicro * ty]);
      const float4 bv = *reinterpret_cast<const float4*>(&bs[buf][k][kMicro * tx]);
      const float a_col[kMicro] = {av.x, av.y, av.z, av.w};
      const float b_row[kMicro] = {bv.x, bv.y, bv.z, bv.w};
#pragma unroll
      for (int i = 0; i < kMicro; ++i)
#pragma unroll
        for (int j = 0; j < kMicro; ++j) acc[i][j] = fmaf(a_col[i], b_row[j], acc[i][j]);
    }
    if (more) stager.stash(as[buf ^ 1], bs[buf ^ 1]);
    __syncthreads();
  }
}

}  // namespace nst::conv_tile
