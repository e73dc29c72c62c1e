// The losses of style transfer and their gradients (kernels/losses.h):
//   content  L = ½ Σ (f − p)²,                  df += w·(f − p)
//   style    L = Σ (G − A)² / (2CM)²,           df += w·4/(2CM)²·(G − A)·F    (F: C×M, G, A: C×C)
//   TV       L = ½ Σ (x_b − x_a)² over the pairs (a, b) of horizontal and vertical neighbours
//            inside each (n, c) plane (no wrap-around); a pair adds +(x_b − x_a) to dL/dx_b and
//            −(x_b − x_a) to dL/dx_a, so dx[i,j] += w·(up to four such terms, one per neighbour).
// Layouts: f, p, x NCHW row-major; F (C, M = H·W) and G, A (C, C) row-major.
// Loss values: the deterministic two-pass reduction of kernels/cuda/partial_sums.cuh (fixed grid,
// warp shuffles, partials added in block order): the same bits on every call.
// Elementwise backwards: grid-stride loops, memory bound (content at relu4_2, 256 px, 512×32×32:
// f, p, df read and df written, 8.4 MB, ~2.5 µs at 3.35 TB/s).
// Style backward: a 128×128-tile GEMM on the GEMM main loop (gemm_mainloop.cuh) over K = C, in the
// caller's math, whose A operand, (G − A), is formed while its tiles are staged, so no C×C
// difference is written and reread; B = F by cp.async.
// Arithmetic bound: at relu3_1, 256 px (C = 256, M = 4096) it is 2·C²·M = 0.54 GFLOP for ~12.6 MB
// (F, G, A read; df read and written), ~43 FLOP/byte, above the H100's ~20.
#include "kernels/cuda/launch.cuh"
#include "kernels/cuda/partial_sums.cuh"
#include "kernels/cuda/gemm_mainloop.cuh"
#include "kernels/cuda/gemm_math.cuh"
#include "kernels/cuda/gemm_operands.cuh"
#include "kernels/losses.h"

namespace nst {

namespace {

// (2·C·M)², in double: it reaches 10^15 at relu1_1, 512 px.
double style_normalizer(std::int64_t c, std::int64_t m) {
  const double two_cm = 2.0 * double(c) * double(m);
  return two_cm * two_cm;
}

// Pass 1 of Σ (x − y)² over n elements.
__global__ void squared_difference_partials_kernel(std::int64_t n, const float* x, const float* y, float* partials) {
  float s = 0.0f;
  for (const std::int64_t i : grid_stride(n)) {
    const float d = x[i] - y[i];
    s += d * d;
  }
  store_partial(s, partials);
}

__global__ void content_backward_kernel(std::int64_t n, const float* f, const float* p, float weight, float* df) {
  for (const std::int64_t i : grid_stride(n)) df[i] += weight * (f[i] - p[i]);
}

// (G − A)[i, k], formed as the A operand is staged.
struct GramDifference {
  const float* g;
  const float* a;
  std::int64_t c;
  __device__ float operator()(std::int64_t i, std::int64_t k) const { return g[i * c + k] - a[i * c + k]; }
};

// df tile (rows i of C, columns of M) += scale·(G − A)[i, :]·F[:, m].
template <class Math>
__global__ void __launch_bounds__(gemm::kThreads)
    style_backward_kernel(std::int64_t c, std::int64_t m, const float* __restrict__ f, const float* __restrict__ g,
                          const float* __restrict__ a, float scale, float* __restrict__ df) {
  const std::int64_t row0 = std::int64_t(blockIdx.y) * gemm::kTileM, col0 = std::int64_t(blockIdx.x) * gemm::kTileN;
  gemm::ComputedRowsAlongK<GramDifference> difference{{g, a, c}, c, row0, c};
  gemm::ColumnsAlongRows columns{f, m, m, col0, c};
  typename Math::Accumulator acc;
  gemm::multiply<Math>(difference, columns, c, acc);
  Math::for_each(acc, [&](int row, int column, float value) {
    const std::int64_t i = row0 + row, col = col0 + column;
    if (i < c && col < m) df[i * m + col] += scale * value;
  });
}

// Element e of an (N·C, H, W) stack of planes: its column j and row i.
struct PlanePosition {
  std::int64_t i, j;
  __device__ PlanePosition(std::int64_t e, std::int64_t h, std::int64_t w) : i((e / w) % h), j(e % w) {}
};

// Pass 1 of Σ (right − here)² + (below − here)² over the pairs inside each plane.
__global__ void tv_partials_kernel(std::int64_t total, std::int64_t h, std::int64_t w, const float* x,
                                   float* partials) {
  float s = 0.0f;
  for (const std::int64_t e : grid_stride(total)) {
    const PlanePosition at(e, h, w);
    if (at.j + 1 < w) {
      const float d = x[e + 1] - x[e];
      s += d * d;
    }
    if (at.i + 1 < h) {
      const float d = x[e + w] - x[e];
      s += d * d;
    }
  }
  store_partial(s, partials);
}

__global__ void tv_backward_kernel(std::int64_t total, std::int64_t h, std::int64_t w, const float* x, float weight,
                                   float* dx) {
  for (const std::int64_t e : grid_stride(total)) {
    const PlanePosition at(e, h, w);
    const float here = x[e];
    float grad = 0.0f;
    if (at.j > 0) grad += here - x[e - 1];
    if (at.j + 1 < w) grad -= x[e + 1] - here;
    if (at.i > 0) grad += here - x[e - w];
    if (at.i + 1 < h) grad -= x[e + w] - here;
    dx[e] += weight * grad;
  }
}

}  // namespace

void content_loss_cuda(std::int64_t n, const float* f, const float* p, float* loss, float* scratch, Stream stream) {
  squared_difference_partials_kernel<<<kPartialBlocks, kPartialThreads, 0, stream>>>(n, f, p, scratch);
  launch_final_sum(scratch, loss, 0.5f, stream);
}

void content_loss_backward_cuda(std::int64_t n, const float* f, const float* p, float weight, float* df,
                                Stream stream) {
  if (n > 0) content_backward_kernel<<<blocks_for(n), kThreadsPerBlock, 0, stream>>>(n, f, p, weight, df);
}

void style_loss_cuda(std::int64_t c, std::int64_t m, const float* g, const float* a, float* loss, float* scratch,
                     Stream stream) {
  squared_difference_partials_kernel<<<kPartialBlocks, kPartialThreads, 0, stream>>>(c * c, g, a, scratch);
  launch_final_sum(scratch, loss, float(1.0 / style_normalizer(c, m)), stream);
}

void style_loss_backward_cuda(std::int64_t c, std::int64_t m, const float* f, const float* g, const float* a,
                              float weight, float* df, GemmMath math, Stream stream) {
  if (c <= 0 || m <= 0) return;
  const float scale = float(double(weight) * 4.0 / style_normalizer(c, m));
  // One block per 128×128 tile of dF (within CUDA's grid limits: gram_cuda_unindexable).
  const dim3 grid(unsigned((m + gemm::kTileN - 1) / gemm::kTileN), unsigned((c + gemm::kTileM - 1) / gemm::kTileM));
  gemm::with_math(math, [&](auto policy) {
    using Math = decltype(policy);
    style_backward_kernel<Math><<<grid, gemm::kThreads, 0, stream>>>(c, m, f, g, a, scale, df);
  });
}

void tv_loss_cuda(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, const float* x, float* loss,
                  float* scratch, Stream stream) {
  tv_partials_kernel<<<kPartialBlocks, kPartialThreads, 0, stream>>>(n * c * h * w, h, w, x, scratch);
  launch_final_sum(scratch, loss, 0.5f, stream);
}

void tv_loss_backward_cuda(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, const float* x, float weight,
                           float* dx, Stream stream) {
  const std::int64_t total = n * c * h * w;
  if (total > 0) tv_backward_kernel<<<blocks_for(total), kThreadsPerBlock, 0, stream>>>(total, h, w, x, weight, dx);
}

}  // namespace nst
