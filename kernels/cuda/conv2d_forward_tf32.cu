// Convolution forward as an implicit GEMM on the tensor cores (TF32 inputs, FP32 accumulation),
// bias and ReLU fused (kernels/conv2d_tf32.h):
//   y[n,o,i,j] = max(0, b[o] + Σ_{c,u,v} tf32(w[o,c,u,v]) · tf32(x[n, c, i·s + u − p, j·s + v − p]))
// Layout: x (N, C_in, H, W), w (C_out, C_in, KH, KW), b (C_out), y (N, C_out, OH, OW).
//
// The same block tiling as the FP32 kernel (conv2d_forward.cu): M = C_out, N = batch·OH·OW,
// K = C_in·KH·KW, 64×64 tiles of Y per block of 256 threads, 8-wide K slices of w and of im2col(x)
// gathered into double-buffered shared memory. The 8 warps split the tile 4 (M) × 2 (N); each warp
// multiplies its 16×8 slice of A by two 8×16 slices of B per K slice with WMMA m16n16k8 TF32,
// keeping two 16×16 FP32 accumulator fragments. The epilogue parks the fragments in shared memory
// so that each thread can write whole rows of y coalesced, adding b and applying ReLU on the way.
//
// Cost, conv3_2 at 256 px (64×64, 256→256, 3×3): 4.83 GFLOP and at least 10.7 MB, 450 FLOP/byte;
// at the H100's dense TF32 rate (~495 TFLOP/s) the arithmetic floor is ~10 µs and the memory floor
// 10.7 MB / 3.35 TB/s ≈ 3 µs. This simple kernel will be far from that: per K slice a warp issues
// two MMAs against one barrier and the scalar gather of 4 elements per thread, so the gather and
// the barriers bound it. Expected 2–3× the FP32 kernel's speed, i.e. 10–20 % of the TF32 peak.
// Not yet measured on a GPU.
#include <mma.h>

#include <cstdint>

#include "kernels/conv2d_tf32.h"
#include "kernels/conv2d_index.h"
#include "kernels/cuda/conv2d_im2col.cuh"
#include "kernels/cuda/conv2d_tile.cuh"

namespace nst {

namespace {

namespace wmma = nvcuda::wmma;
using conv_tile::ConvShape;
using conv_tile::kPitch;
using conv_tile::kThreads;
using conv_tile::kTileK;
using conv_tile::kTileM;
using conv_tile::kTileN;
using conv_tile::Window;

constexpr int kFrag = 16;  // WMMA TF32 fragments are m16 n16 k8
static_assert(kTileK == 8, "one WMMA k-step per K slice");
static_assert(kThreads / 32 == (kTileM / kFrag) * (kTileN / (2 * kFrag)), "8 warps, each 16 rows × 32 columns");

using FragmentA = wmma::fragment<wmma::matrix_a, kFrag, kFrag, kTileK, wmma::precision::tf32, wmma::col_major>;
using FragmentB = wmma::fragment<wmma::matrix_b, kFrag, kFrag, kTileK, wmma::precision::tf32, wmma::row_major>;
using Accumulator = wmma::fragment<wmma::accumulator, kFrag, kFrag, kTileK, float>;

template <class Fragment>
__device__ void round_to_tf32(Fragment& f) {
#pragma unroll
  for (int t = 0; t < f.num_elements; ++t) f.x[t] = wmma::__float_to_tf32(f.x[t]);
}

template <class Win>
__global__ void __launch_bounds__(kThreads)
    conv2d_forward_tf32_kernel(ConvShape s, Win win, const float* __restrict__ x, const float* __restrict__ w,
                               const float* __restrict__ b, bool relu, float* __restrict__ y) {
  // WMMA loads and stores need 32-byte aligned pointers: every fragment below starts a multiple of
  // 16 floats into a row, and a row is kPitch = 68 floats, so slices start 8·68·4 = 2176 = 68·32
  // bytes apart and C rows 16·68·4 bytes apart.
  __shared__ __align__(32) float as[2][kTileK][kPitch];  // A slice, k-major: (m, k) at as[k][m]
  __shared__ __align__(32) float bs[2][kTileK][kPitch];  // B slice: (k, n) at bs[k][n]
  __shared__ __align__(32) float cs[kTileM][kPitch];     // the finished tile of Y, row-major

  const int k_total = s.c_in * win.taps();
  const std::int64_t n0 = std::int64_t(blockIdx.x) * kTileN;
  const int m0 = int(blockIdx.y) * kTileM;
  const int warp = int(threadIdx.x) / 32;
  const int warp_m = kFrag * (warp % (kTileM / kFrag)), warp_n = 2 * kFrag * (warp / (kTileM / kFrag));

  Accumulator acc[2];
  wmma::fill_fragment(acc[0], 0.0f);
  wmma::fill_fragment(acc[1], 0.0f);

  // The double-buffered main loop of conv_tile::multiply_tile, with WMMA in place of the FMAs.
  conv_tile::SliceStager stager(conv_tile::WeightRows{w, s.c_out, k_total},
                                conv_tile::image_column(s, win, x, n0 + conv_tile::loaded_column()), m0);
  const int slices = (k_total + kTileK - 1) / kTileK;
  stager.fetch(0);
  stager.stash(as[0], bs[0]);
  __syncthreads();
  for (int sl = 0; sl < slices; ++sl) {
    const int buf = sl % 2;
    const bool more = sl + 1 < slices;  // uniform over the block
    if (more) stager.fetch((sl + 1) * kTileK);
    FragmentA fa;
    wmma::load_matrix_sync(fa, &as[buf][0][warp_m], kPitch);
    round_to_tf32(fa);
#pragma unroll
    for (int f = 0; f < 2; ++f) {
      FragmentB fb;
      wmma::load_matrix_sync(fb, &bs[buf][0][warp_n + kFrag * f], kPitch);
      round_to_tf32(fb);
      wmma::mma_sync(acc[f], fa, fb, acc[f]);
    }
    if (more) stager.stash(as[buf ^ 1], bs[buf ^ 1]);
    __syncthreads();
  }

  wmma::store_matrix_sync(&cs[warp_m][warp_n], acc[0], kPitch, wmma::mem_row_major);
  wmma::store_matrix_sync(&cs[warp_m][warp_n + kFrag], acc[1], kPitch, wmma::mem_row_major);
  __syncthreads();

  // Epilogue: thread t writes column t % 64 of rows t / 64, t / 64 + 4, …: a warp covers 32
  // neighbouring pixels of one channel. Column (img, pix) is y[(img·C_out + m)·OH·OW + pix]
  // (64-bit: kernels/conv2d_index.h).
  const int n_local = int(threadIdx.x) % kTileN;
  const std::int64_t col = n0 + n_local;
  if (col >= s.out_columns()) return;
  const std::int64_t pixels = s.out_pixels();
  float* y_col = y + conv_index::column_offset(col, s.c_out, pixels);
  constexpr int kRowStep = kThreads / kTileN;
  for (int m_local = int(threadIdx.x) / kTileN; m_local < kTileM; m_local += kRowStep) {
    const int m = m0 + m_local;
    if (m >= s.c_out) break;
    const float v = cs[m_local][n_local] + b[m];
    y_col[m * pixels] = relu ? fmaxf(v, 0.0f) : v;
  }
}

}  // namespace

void conv2d_forward_tf32_cuda(const Conv2dParams& p, const float* x, const float* w, const float* b, bool relu,
                              float* y, Stream stream) {
  const ConvShape s = conv_index::conv_shape(p);
  if (s.out_columns() <= 0 || s.c_out <= 0) return;
  const dim3 grid = conv_tile::forward_grid(s);
  if (p.kh == 3 && p.kw == 3 && p.stride == 1)  // every VGG19 convolution
    conv2d_forward_tf32_kernel<<<grid, kThreads, 0, stream>>>(s, Window<3, 3, 1>{3, 3, 1}, x, w, b, relu, y);
  else
    conv2d_forward_tf32_kernel<<<grid, kThreads, 0, stream>>>(s, Window<0, 0, 0>{int(p.kh), int(p.kw), int(p.stride)},
                                                              x, w, b, relu, y);
}

}  // namespace nst
