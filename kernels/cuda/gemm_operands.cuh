#pragma once
// Loaders of plain matrices for the GEMM main loop (gemm_mainloop.cuh): each puts one K slice of
// its operand's tile into a shared-memory stage, stage[k][row], k < 8, row < 128, filling 0 outside
// the matrix. Two ways to spread the 1024 elements over the 256 threads, chosen so that a warp's
// reads are coalesced:
//   along K     thread t takes k = t % 8 and rows t / 8 + 32·j (8 neighbours read 8 consecutive k)
//   along rows  thread t takes row t % 128 and k = t / 128 + 2·j (a warp reads 32 consecutive rows)
// for j < 4. A loader is called for slices 0, 1, 2, … in order, so it may keep running state.
#include <cstdint>

#include "kernels/cuda/gemm_mainloop.cuh"

namespace nst::gemm {

constexpr int kLoadsPerThread = kTileM * kTileK / kThreads;  // 4
static_assert(kLoadsPerThread * kThreads == kTileM * kTileK && kTileM == kTileN, "each thread loads 4 of each stage");

__device__ __forceinline__ int along_k_k() { return int(threadIdx.x) % kTileK; }
__device__ __forceinline__ int along_k_row(int j) { return int(threadIdx.x) / kTileK + (kThreads / kTileK) * j; }
__device__ __forceinline__ int along_rows_row() { return int(threadIdx.x) % kTileM; }
__device__ __forceinline__ int along_rows_k(int j) { return int(threadIdx.x) / kTileM + (kThreads / kTileM) * j; }

// Element (r, k) = base[r·stride + k] for r < rows, k < k_end, row r0 + (row in the tile); by cp.async.
struct RowsAlongK {
  const float* base;
  std::int64_t stride, rows, r0;
  std::int64_t k_end;
  __device__ void load(float (*stage)[kPitch], std::int64_t slice) const {
    const int kk = along_k_k();
    const std::int64_t k = slice * kTileK + kk;
#pragma unroll
    for (int j = 0; j < kLoadsPerThread; ++j) {
      const std::int64_t r = r0 + along_k_row(j);
      const bool inside = r < rows && k < k_end;
      ptx::cp_async_f32(&stage[kk][along_k_row(j)], inside ? base + r * stride + k : base, inside);
    }
  }
};

// Element (k, c) = base[k·stride + c] for k < k_end, c < columns, column c0 + (row in the tile): the
// transposed view, for a B whose rows run along N; by cp.async.
struct ColumnsAlongRows {
  const float* base;
  std::int64_t stride, columns, c0;
  std::int64_t k_end;
  __device__ void load(float (*stage)[kPitch], std::int64_t slice) const {
    const std::int64_t c = c0 + along_rows_row();
#pragma unroll
    for (int j = 0; j < kLoadsPerThread; ++j) {
      const std::int64_t k = slice * kTileK + along_rows_k(j);
      const bool inside = c < columns && k < k_end;
      ptx::cp_async_f32(&stage[along_rows_k(j)][along_rows_row()], inside ? base + k * stride + c : base, inside);
    }
  }
};

// Element (r, k) = element(r, k) for r < rows, k < k_end, computed by a functor (a sum or a
// difference of two matrices) and stored plainly: the barrier of the main loop orders it like a
// landed copy.
template <class Element>
struct ComputedRowsAlongK {
  Element element;
  std::int64_t rows, r0, k_end;
  __device__ void load(float (*stage)[kPitch], std::int64_t slice) const {
    const int kk = along_k_k();
    const std::int64_t k = slice * kTileK + kk;
#pragma unroll
    for (int j = 0; j < kLoadsPerThread; ++j) {
      const std::int64_t r = r0 + along_k_row(j);
      stage[kk][along_k_row(j)] = (r < rows && k < k_end) ? element(r, k) : 0.0f;
    }
  }
};

}  // namespace nst::gemm
