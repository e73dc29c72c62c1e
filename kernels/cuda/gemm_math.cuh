#pragma once
// The math policies of the GEMM main loop (gemm_mainloop.cuh): how a block's 256 threads multiply
// one staged K slice, A as as[k][m] (128×8) and B as bs[k][n] (8×128), into their accumulators,
// and which element (row, column) of the 128×128 tile each accumulator holds.
//   FmaMath          FP32 on the CUDA cores. Thread (ty, tx) = (t / 16, t % 16) owns rows
//                    4·ty + {0..3} and 64 + 4·ty + {0..3}, columns likewise with tx: an 8×8 block
//                    of 64 fmaf per k from four float4 reads (two of a row, two of a column).
//   TensorCoreMath   the tensor cores (ptx::mma_m16n8k8_tf32, FP32 accumulation). Warp w owns rows
//                    64·(w % 2) + [0, 64) and columns 32·(w / 2) + [0, 32): 4 × 4 tiles of 16×8,
//                    each one accumulator fragment.
//     <kSplit = false>  TF32: each operand rounded to TF32 (cvt.rna), unit roundoff 2⁻¹¹, so each
//                       product carries a relative error ≤ 2·2⁻¹¹ + 2⁻²² ≈ 9.8e-4; one MMA per tile.
//     <kSplit = true>   3xTF32: x = x_hi + x_lo with x_hi = tf32(x), x_lo = tf32(x − x_hi) (x − x_hi is
//                       exact in FP32, and x_lo keeps its top 11 bits, so |x − x_hi − x_lo| ≤ 2⁻²²·|x|);
//                       a·b ≈ a_hi·b_hi + a_hi·b_lo + a_lo·b_hi, three MMAs, the small terms first.
//                       The dropped a_lo·b_lo and the two splitting errors leave ≤ 3·2⁻²² ≈ 7.2e-7
//                       relative per product: FP32's level (2⁻²⁴ per rounding, K of them).
#include "kernels/cuda/gemm_mainloop.cuh"
#include "kernels/cuda/ptx_wrappers.cuh"
#include "kernels/gemm_math.h"

namespace nst::gemm {

struct FmaMath {
  static constexpr int kMicro = 8;
  struct Accumulator {
    float v[kMicro][kMicro];
  };

  __device__ static void zero(Accumulator& acc) {
#pragma unroll
    for (int i = 0; i < kMicro; ++i)
#pragma unroll
      for (int j = 0; j < kMicro; ++j) acc.v[i][j] = 0.0f;
  }

  // Row (or column) of index i < 8 of a thread whose grid coordinate is `at` (ty or tx).
  __device__ static int position(int at, int i) { return (i < 4 ? 0 : kTileM / 2 - 4) + 4 * at + i; }

  __device__ static void multiply(const float (*as)[kPitch], const float (*bs)[kPitch], Accumulator& acc) {
    const int ty = int(threadIdx.x) / 16, tx = int(threadIdx.x) % 16;
#pragma unroll
    for (int k = 0; k < kTileK; ++k) {
      const float4 a0 = *reinterpret_cast<const float4*>(&as[k][4 * ty]);
      const float4 a1 = *reinterpret_cast<const float4*>(&as[k][kTileM / 2 + 4 * ty]);
      const float4 b0 = *reinterpret_cast<const float4*>(&bs[k][4 * tx]);
      const float4 b1 = *reinterpret_cast<const float4*>(&bs[k][kTileN / 2 + 4 * tx]);
      const float a[kMicro] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      const float b[kMicro] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < kMicro; ++i)
#pragma unroll
        for (int j = 0; j < kMicro; ++j) acc.v[i][j] = fmaf(a[i], b[j], acc.v[i][j]);
    }
  }

  // f(row, column, value) for every accumulator of this thread, rows and columns within the tile.
  template <class F>
  __device__ static void for_each(const Accumulator& acc, F&& f) {
    const int ty = int(threadIdx.x) / 16, tx = int(threadIdx.x) % 16;
#pragma unroll
    for (int i = 0; i < kMicro; ++i)
#pragma unroll
      for (int j = 0; j < kMicro; ++j) f(position(ty, i), position(tx, j), acc.v[i][j]);
  }
};

template <bool kSplit>
struct TensorCoreMath {
  static constexpr int kWarpRows = 64, kWarpColumns = 32;
  static constexpr int kTilesM = kWarpRows / 16, kTilesN = kWarpColumns / 8;
  static_assert((kTileM / kWarpRows) * (kTileN / kWarpColumns) * 32 == kThreads, "8 warps cover the tile");
  static_assert(kTileK == 8, "one m16n8k8 step per K slice");
  struct Accumulator {
    float d[kTilesM][kTilesN][4];
  };

  __device__ static int warp_row() { return kWarpRows * (int(threadIdx.x) / 32 % 2); }
  __device__ static int warp_column() { return kWarpColumns * (int(threadIdx.x) / 64); }

  __device__ static void zero(Accumulator& acc) {
#pragma unroll
    for (int mi = 0; mi < kTilesM; ++mi)
#pragma unroll
      for (int ni = 0; ni < kTilesN; ++ni)
#pragma unroll
        for (int r = 0; r < 4; ++r) acc.d[mi][ni][r] = 0.0f;
  }

  __device__ static void multiply(const float (*as)[kPitch], const float (*bs)[kPitch], Accumulator& acc) {
    const int g = int(threadIdx.x) % 32 / 4, t = int(threadIdx.x) % 4;
    // The fragments of the PTX ISA's m16n8k8 map (ptx_wrappers.cuh): A(row, k) = as[k][row],
    // B(k, column) = bs[k][column].
    float a_hi[kTilesM][4], a_lo[kTilesM][4], b_hi[kTilesN][2], b_lo[kTilesN][2];
#pragma unroll
    for (int mi = 0; mi < kTilesM; ++mi) {
      const int row = warp_row() + 16 * mi + g;
      const float a[4] = {as[t][row], as[t][row + 8], as[t + 4][row], as[t + 4][row + 8]};
#pragma unroll
      for (int r = 0; r < 4; ++r) split(a[r], a_hi[mi][r], a_lo[mi][r]);
    }
#pragma unroll
    for (int ni = 0; ni < kTilesN; ++ni) {
      const int column = warp_column() + 8 * ni + g;
      split(bs[t][column], b_hi[ni][0], b_lo[ni][0]);
      split(bs[t + 4][column], b_hi[ni][1], b_lo[ni][1]);
    }
#pragma unroll
    for (int mi = 0; mi < kTilesM; ++mi)
#pragma unroll
      for (int ni = 0; ni < kTilesN; ++ni) {
        if (kSplit) {
          ptx::mma_m16n8k8_tf32(acc.d[mi][ni], a_lo[mi], b_hi[ni]);
          ptx::mma_m16n8k8_tf32(acc.d[mi][ni], a_hi[mi], b_lo[ni]);
        }
        ptx::mma_m16n8k8_tf32(acc.d[mi][ni], a_hi[mi], b_hi[ni]);
      }
  }

  template <class F>
  __device__ static void for_each(const Accumulator& acc, F&& f) {
    const int g = int(threadIdx.x) % 32 / 4, t = int(threadIdx.x) % 4;
#pragma unroll
    for (int mi = 0; mi < kTilesM; ++mi)
#pragma unroll
      for (int ni = 0; ni < kTilesN; ++ni)
#pragma unroll
        for (int r = 0; r < 4; ++r)
          f(warp_row() + 16 * mi + g + 8 * (r / 2), warp_column() + 8 * ni + 2 * t + r % 2, acc.d[mi][ni][r]);
  }

 private:
  // x's TF32 part, and with kSplit the TF32 rounding of the rest (else 0, unused).
  __device__ static void split(float x, float& hi, float& lo) {
    hi = ptx::to_tf32(x);
    lo = kSplit ? ptx::to_tf32(x - hi) : 0.0f;
  }
};

using Tf32Math = TensorCoreMath<false>;
using Tf32x3Math = TensorCoreMath<true>;

}  // namespace nst::gemm

namespace nst::gemm {

// Calls launch(Math{}) with the policy of `math`: one instantiation of a kernel per policy.
template <class Launch>
void with_math(GemmMath math, Launch&& launch) {
  switch (math) {
    case GemmMath::fp32:
      launch(FmaMath{});
      break;
    case GemmMath::tf32:
      launch(Tf32Math{});
      break;
    case GemmMath::tf32x3:
      launch(Tf32x3Math{});
      break;
  }
}

}  // namespace nst::gemm
