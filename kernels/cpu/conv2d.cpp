// CPU convolution as a matrix product (im2col + SGEMM), the way Caffe lowers it.
//   forward:        Y = W · col(x)            W: (C_out, K), col(x): (K, OH·OW), K = C_in·KH·KW
//                   then y = max(y + b, 0) (or y + b) in one pass over the output
//   backward-data:  dcol = Wᵀ · dY,  dx = col⁻¹(dcol)   (col2im adds each column back where it came from)
//                   then dx = 0 where gate <= 0 (ReLU's backward, when a gate is given)
// 3×3 / stride 1 / pad 1 layers with at least 8 channels on both sides go to Winograd's F(2×2, 3×3)
// instead (conv2d_winograd.cpp: 1.2–1.8× faster on VGG19's layers); this file lowers everything else.
// Layouts: x (N, C_in, H, W), w (C_out, C_in, KH, KW) = W row-major, y (N, C_out, OH, OW);
//   col[(c·KH + u)·KW + v][i·OW + j] = x[c, i·s + u − p, j·s + v − p]  (0 outside x).
// Work split: the image is lowered a band of output rows at a time, so the column scratch stays
//   about kBandFloats floats (4 MB) instead of K·OH·OW (150 MB for conv1_2 at 256 px). Each SGEMM is
//   cut into fixed tiles over OpenMP's threads (kernels/cpu/tiled_blas.h: the same bits for any
//   thread count), never called inside an OpenMP region. The copies around it (im2col over rows of
//   col, col2im over input channels so no two threads add into the same dx plane, bias/ReLU/gate over
//   channels) run on the same OpenMP threads. (Before the tiles, when OpenBLAS threaded SGEMM itself,
//   parallel copies beside its pthread build halved the SGEMM: OpenMP's idle threads spun while
//   OpenBLAS's ran; now there is one pool of threads whichever build is linked.)
// Bound: arithmetic. conv2_2 at 256 px (128→128, 128×128): 4.83 GFLOP against 17.4 MB of input,
//   weights and output, and 0.6 MB of column scratch written and read per output row. Measured on
//   2 Zen 5 cores (bench/conv2d_cpu_bench, 256×192): 200–235 GFLOP/s forward and backward from conv1_2
//   to conv4_1, on par with one bare SGEMM of the whole layer's shape (226 GFLOP/s for conv3_2):
//   the bands stay in cache, which pays for the copies.
// Scratch: unlike the CUDA kernels (which never allocate), a CPU kernel owns one thread_local
//   buffer that grows to the largest band it has seen and is then reused, so after the first
//   iteration no call allocates.
#include <algorithm>
#include <cstddef>
#include <vector>

#include "kernels/conv2d.h"
#include "kernels/cpu/conv2d_winograd.h"
#include "kernels/cpu/tiled_blas.h"

namespace nst {

namespace {

constexpr std::int64_t kBandFloats = std::int64_t{1} << 20;  // column scratch per band: 4 MB

float* band_scratch(std::int64_t floats) {
  thread_local std::vector<float> scratch;
  if (scratch.size() < static_cast<std::size_t>(floats)) scratch.resize(static_cast<std::size_t>(floats));
  return scratch.data();
}

std::int64_t col_rows(const Conv2dParams& p) { return p.c_in * p.kh * p.kw; }  // K

// Output rows per band: as many as fit in kBandFloats (at least one), spread evenly over the bands.
std::int64_t band_rows(const Conv2dParams& p) {
  const std::int64_t oh = p.out_h();
  const std::int64_t most = std::clamp<std::int64_t>(kBandFloats / (col_rows(p) * p.out_w()), 1, oh);
  const std::int64_t bands = (oh + most - 1) / most;
  return (oh + bands - 1) / bands;
}

// Output columns j whose input column j·s + v − p lies inside [0, W): the half-open range [lo, hi).
struct ColumnSpan {
  std::int64_t lo, hi;
};

ColumnSpan valid_columns(const Conv2dParams& p, std::int64_t v) {
  const std::int64_t first = p.pad - v;           // j·s ≥ p − v
  const std::int64_t last = p.w - 1 + p.pad - v;  // j·s ≤ W − 1 + p − v
  const std::int64_t lo = first <= 0 ? 0 : (first + p.stride - 1) / p.stride;
  const std::int64_t hi = last < 0 ? 0 : std::min(p.out_w(), last / p.stride + 1);
  return {std::min(lo, hi), hi};
}

// col rows for output rows [r0, r1) of one image x (C_in, H, W); col is (K, (r1 − r0)·OW).
void im2col_band(const Conv2dParams& p, const float* x, std::int64_t r0, std::int64_t r1, float* col) {
  const std::int64_t ow = p.out_w(), cols = (r1 - r0) * ow, s = p.stride;
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < col_rows(p); ++k) {
    const std::int64_t c = k / (p.kh * p.kw), u = k / p.kw % p.kh, v = k % p.kw;
    const ColumnSpan span = valid_columns(p, v);
    float* dst = col + k * cols;
    for (std::int64_t i = r0; i < r1; ++i, dst += ow) {
      const std::int64_t row = i * s + u - p.pad;
      if (row < 0 || row >= p.h) {
        std::fill(dst, dst + ow, 0.0f);
        continue;
      }
      const float* src = x + (c * p.h + row) * p.w + span.lo * s + v - p.pad;
      std::fill(dst, dst + span.lo, 0.0f);
      if (s == 1) {
        std::copy(src, src + (span.hi - span.lo), dst + span.lo);
      } else {
        for (std::int64_t j = span.lo; j < span.hi; ++j) dst[j] = src[(j - span.lo) * s];
      }
      std::fill(dst + span.hi, dst + ow, 0.0f);
    }
  }
}

// The adjoint of im2col_band: dx[c, i·s + u − p, j·s + v − p] += col[(c, u, v)][(i − r0)·OW + j].
void col2im_band_add(const Conv2dParams& p, const float* col, std::int64_t r0, std::int64_t r1, float* dx) {
  const std::int64_t ow = p.out_w(), cols = (r1 - r0) * ow, s = p.stride;
#pragma omp parallel for schedule(static)
  for (std::int64_t c = 0; c < p.c_in; ++c) {
    for (std::int64_t u = 0; u < p.kh; ++u) {
      for (std::int64_t v = 0; v < p.kw; ++v) {
        const ColumnSpan span = valid_columns(p, v);
        const float* src = col + ((c * p.kh + u) * p.kw + v) * cols + span.lo;
        for (std::int64_t i = r0; i < r1; ++i, src += ow) {
          const std::int64_t row = i * s + u - p.pad;
          if (row < 0 || row >= p.h) continue;
          float* dst = dx + (c * p.h + row) * p.w + span.lo * s + v - p.pad;
          const std::int64_t n = span.hi - span.lo;
          if (s == 1) {
            for (std::int64_t j = 0; j < n; ++j) dst[j] += src[j];
          } else {
            for (std::int64_t j = 0; j < n; ++j) dst[j * s] += src[j];
          }
        }
      }
    }
  }
}

// y[o, band] = y[o, band] + b[o], then max(·, 0) when relu; y rows are `stride` floats apart.
void add_bias_relu(std::int64_t channels, std::int64_t count, std::int64_t stride, const float* b, bool relu,
                   float* y) {
#pragma omp parallel for schedule(static)
  for (std::int64_t o = 0; o < channels; ++o) {
    float* row = y + o * stride;
    const float bias = b[o];
    if (relu) {
      for (std::int64_t i = 0; i < count; ++i) row[i] = std::max(row[i] + bias, 0.0f);
    } else {
      for (std::int64_t i = 0; i < count; ++i) row[i] += bias;
    }
  }
}

}  // namespace

CpuConvScratch conv2d_cpu_scratch(const Conv2dParams& p) {
  if (winograd_applies(p)) return {true, winograd_band_floats(p)};
  return {false, col_rows(p) * band_rows(p) * p.out_w()};  // what band_scratch is asked for
}

void conv2d_forward_cpu(const Conv2dParams& p, const float* x, const float* w, const float* b, bool relu, float* y) {
  if (winograd_applies(p)) return conv2d_forward_winograd_cpu(p, x, w, b, relu, y);
  const std::int64_t oh = p.out_h(), ow = p.out_w(), k = col_rows(p), rows = band_rows(p);
  float* col = band_scratch(k * rows * ow);
  for (std::int64_t n = 0; n < p.n; ++n) {
    const float* xn = x + n * p.c_in * p.h * p.w;
    float* yn = y + n * p.c_out * oh * ow;
    for (std::int64_t r0 = 0; r0 < oh; r0 += rows) {
      const std::int64_t r1 = std::min(oh, r0 + rows), cols = (r1 - r0) * ow;
      im2col_band(p, xn, r0, r1, col);
      // Y[:, band] = W · col: (C_out × K)·(K × cols); Y's rows are OH·OW apart.
      sgemm_tiled(false, p.c_out, cols, k, 1.0f, w, k, col, cols, 0.0f, yn + r0 * ow, oh * ow);
      add_bias_relu(p.c_out, cols, oh * ow, b, relu, yn + r0 * ow);
    }
  }
}

void conv2d_backward_data_cpu(const Conv2dParams& p, const float* dy, const float* w, const float* gate, float* dx) {
  if (winograd_applies(p)) return conv2d_backward_data_winograd_cpu(p, dy, w, gate, dx);
  const std::int64_t oh = p.out_h(), ow = p.out_w(), k = col_rows(p), rows = band_rows(p);
  const std::int64_t image = p.c_in * p.h * p.w;
  float* col = band_scratch(k * rows * ow);
#pragma omp parallel for schedule(static)
  for (std::int64_t i = 0; i < p.n * image; ++i) dx[i] = 0.0f;
  for (std::int64_t n = 0; n < p.n; ++n) {
    const float* dyn = dy + n * p.c_out * oh * ow;
    float* dxn = dx + n * image;
    for (std::int64_t r0 = 0; r0 < oh; r0 += rows) {
      const std::int64_t r1 = std::min(oh, r0 + rows), cols = (r1 - r0) * ow;
      // dcol = Wᵀ · dY[:, band]: (K × C_out)·(C_out × cols); dY's rows are OH·OW apart.
      sgemm_tiled(true, k, cols, p.c_out, 1.0f, w, k, dyn + r0 * ow, oh * ow, 0.0f, col, cols);
      col2im_band_add(p, col, r0, r1, dxn);
    }
  }
  if (gate != nullptr) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < p.n * image; ++i) dx[i] = gate[i] <= 0.0f ? 0.0f : dx[i];  // a select, not a branch
  }
}

}  // namespace nst
