// CPU losses of style transfer (kernels/losses.h): content ½‖F − P‖², style ‖G − A‖²/(2CM)²
// (Gatys et al. 2015, eq. 4), total variation ½ Σ neighbour differences². Each backward ADDS
// weight·gradient into its output.
// Layout: content on n contiguous floats; style on F (C, M), G and A (C, C) row-major; TV on an
// image x (N, C, H, W). Work: the loss values are ordered sums in double (kernels/cpu/ordered_sum.h,
// OpenMP over fixed blocks: the same bits on any thread count); the elementwise backwards use
// OpenMP over elements (content) or image rows (TV); the style backward is one GEMM in fixed tiles
// (kernels/cpu/tiled_blas.h: the same bits on any thread count).
// Bound: content and TV by memory — content at conv4_2 for a 256-px image (512×32×32 = 0.52 M
// elements) does 3 FLOPs and moves 8 bytes per element (1.6 MFLOP, 4.2 MB), TV on a 3×512×512 image
// ~12 FLOPs per 8 bytes (9.4 MFLOP, 6.3 MB for the backward). The style backward by arithmetic:
// (G − A)·F is 2·C²·M = 0.54 GFLOP at conv1_1 (C = 64, M = 65536) on 33.6 MB (F in, dF in and out).
#include "kernels/losses.h"

#include <vector>

#include "kernels/cpu/ordered_sum.h"
#include "kernels/cpu/tiled_blas.h"

namespace nst {

void content_loss_cpu(std::int64_t n, const float* f, const float* p, float* loss) {
  const double squares = ordered_sum(n, [f, p](std::int64_t i) {
    const double d = double(f[i]) - double(p[i]);
    return d * d;
  });
  loss[0] = static_cast<float>(0.5 * squares);
}

void content_loss_backward_cpu(std::int64_t n, const float* f, const float* p, float weight, float* df) {
#pragma omp parallel for simd schedule(static)
  for (std::int64_t i = 0; i < n; ++i) df[i] += weight * (f[i] - p[i]);
}

namespace {
// (2·C·M)², the normalisation of Gatys' style loss, in double.
double style_normaliser(std::int64_t c, std::int64_t m) {
  const double two_cm = 2.0 * double(c) * double(m);
  return two_cm * two_cm;
}
}  // namespace

void style_loss_cpu(std::int64_t c, std::int64_t m, const float* g, const float* a, float* loss) {
  const double squares = ordered_sum(c * c, [g, a](std::int64_t i) {
    const double d = double(g[i]) - double(a[i]);
    return d * d;
  });
  loss[0] = static_cast<float>(squares / style_normaliser(c, m));
}

void style_loss_backward_cpu(std::int64_t c, std::int64_t m, const float* f, const float* g, const float* a,
                             float weight, float* df) {
  // G − A into a C×C scratch: one GEMM on the difference keeps its accuracy when G ≈ A, where
  // G·F − A·F would cancel. The scratch grows once and is reused, so the loop does not allocate.
  thread_local std::vector<float> g_minus_a;
  if (g_minus_a.size() < static_cast<std::size_t>(c * c)) g_minus_a.resize(static_cast<std::size_t>(c * c));
  for (std::int64_t i = 0; i < c * c; ++i) g_minus_a[static_cast<std::size_t>(i)] = g[i] - a[i];
  // dF += weight · 4/(2CM)² · (G − A)·F   (G − A is symmetric, so (G − A)ᵀ·F = (G − A)·F).
  const auto alpha = static_cast<float>(4.0 * double(weight) / style_normaliser(c, m));
  sgemm_tiled(false, c, m, c, alpha, g_minus_a.data(), c, f, m, 1.0f, df, m);
}

void tv_loss_cpu(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, const float* x, float* loss) {
  // Each element x[r, j] owns the pairs to its right and below it, when they are inside the image.
  const double squares = ordered_sum(n * c * h * w, [x, h, w](std::int64_t i) {
    const std::int64_t j = i % w, r = (i / w) % h;
    double s = 0.0;
    if (j + 1 < w) {
      const double d = double(x[i + 1]) - double(x[i]);
      s += d * d;
    }
    if (r + 1 < h) {
      const double d = double(x[i + w]) - double(x[i]);
      s += d * d;
    }
    return s;
  });
  loss[0] = static_cast<float>(0.5 * squares);
}

void tv_loss_backward_cpu(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, const float* x, float weight,
                          float* dx) {
  // A pair (a, b) adds ½(x_b − x_a)² to L, so it adds (x_b − x_a) to dL/dx_b and subtracts it from
  // dL/dx_a: dL/dx[r,j] = (x[r,j] − x[r,j−1]) − (x[r,j+1] − x[r,j]) + (same vertically), for the
  // neighbours that exist.
  const std::int64_t rows = n * c * h;
#pragma omp parallel for schedule(static)
  for (std::int64_t row = 0; row < rows; ++row) {
    const std::int64_t r = row % h;
    for (std::int64_t j = 0; j < w; ++j) {
      const std::int64_t i = row * w + j;
      float grad = 0.0f;
      if (j > 0) grad += x[i] - x[i - 1];
      if (j + 1 < w) grad -= x[i + 1] - x[i];
      if (r > 0) grad += x[i] - x[i - w];
      if (r + 1 < h) grad -= x[i + w] - x[i];
      dx[i] += weight * grad;
    }
  }
}

}  // namespace nst
