// 3×3 / stride 1 / pad 1 convolution by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray 2015,
// "Fast Algorithms for Convolutional Neural Networks", arXiv:1509.09308). Each 2×2 block of outputs
// ("tile") depends on a 4×4 block d of the padded input, rows 2ti − 1 … 2ti + 2, columns 2tj − 1 … 2tj + 2:
//   Y = Aᵀ [ Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B) ] A
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
//   Aᵀ = [1 1 1 0; 0 1 −1 −1]
// so 16 multiplies give 4 outputs where the direct sum needs 36 (2.25× fewer). The sum over input
// channels is, for each of the 16 transformed positions ξ, a matrix product:
//   M[ξ] (C_out × tiles) = U[ξ] (C_out × C_in) · V[ξ] (C_in × tiles),  U = G g Gᵀ,  V = Bᵀ d B.
// Backward-data for stride 1 / pad 1 is the same convolution of dy with the kernel rotated by 180° and
// its channels swapped (the transposed convolution: dx[c] = Σ_o dy[o] ⋆ w[o,c]^rot, w^rot[u][v] =
// w[2−u][2−v]), so it reuses every step with U[ξ][c][o] = (G w[o,c]^rot Gᵀ)[ξ].
// Layouts: x (N, C, H, W); U [ξ][C_out][C_in]; V [ξ][C][band tiles]; M [ξ][C_out][band tiles], tiles
//   numbered row-major over the ceil(H/2) × ceil(W/2) grid; odd H or W leave a last tile half outside,
//   read as zeros and not written. U is computed per call (16·C_out·C_in floats, 8 MB for conv4_1).
// Work split: the tiles go a band of tile rows at a time so V and M stay about kBandFloats floats
//   (8 MB). The 16 SGEMMs of a band go in fixed tiles over OpenMP's threads (kernels/cpu/tiled_blas.h:
//   the same bits for any thread count), called outside any OpenMP region; the transforms run over
//   channels on the same threads, their inner loops over the tiles of one row with unit stride and
//   no branches, so they vectorise.
// Bound: arithmetic, in the SGEMMs. conv2_2 at 256×192 (128→128, 128×96, 3072 tiles): 1.61 GFLOP of
//   products against the direct 3.62; V and M are 25 MB each, written and read once band by band,
//   the image and output 6.3 MB each, U 1 MB. Measured on 2 Zen 5 cores (bench/conv2d_cpu_bench,
//   256×192, counting the direct 2·9·C_in·C_out·H·W): 8.8 ms, 410 GFLOP/s, where im2col takes 15.9 ms;
//   340–415 GFLOP/s from conv1_2 to conv3_4, 290 for conv4_1 (192 tiles: thin SGEMMs, and U is 8 MB).
//   conv1_1 (3 image channels) stays on im2col: Winograd takes 1.9 ms against 1.0 forward, 3.2 against 1.5
//   backward.
// Rounding: the input transform adds up to 4 inputs, the filter transform up to 9 weights with
//   coefficients ¼, the output transform 9 sums of products; measured within 1.4× of im2col's error
//   (tests/cpu/conv2d_winograd_test.cpp).
#include "kernels/cpu/conv2d_winograd.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/cpu/tiled_blas.h"

namespace nst {

namespace {

constexpr std::int64_t kPositions = 16;  // ξ: the 4×4 transformed tile
// V and M per band: 8 MB. Measured on VGG19's layers at 256×192: 2 MB bands lose 20–40% (the
// SGEMMs get too few columns), 4 MB ~5%, 16 MB nothing more.
constexpr std::int64_t kBandFloats = std::int64_t{1} << 21;

// `v` grown to at least `floats` (never shrunk, so after the first call nothing allocates).
float* grown(std::vector<float>& v, std::int64_t floats) {
  if (v.size() < static_cast<std::size_t>(floats)) v.resize(static_cast<std::size_t>(floats));
  return v.data();
}

// One image plane H×W (input and output alike) cut into 2×2 output tiles.
struct Tiling {
  std::int64_t h, w;
  std::int64_t rows() const { return (h + 1) / 2; }
  std::int64_t cols() const { return (w + 1) / 2; }
};

// What is done to each output value on its way out: + bias[o] then ReLU (forward), or the ReLU gate
// of backward-data, dx = 0 where gate <= 0 (gate is indexed like the output).
struct Epilogue {
  const float* bias;  // null: none
  bool relu;
  const float* gate;  // null: none
};

// The filters of the convolution whose 3×3 kernels are w (c_out, c_in, 3, 3) as they are (forward,
// U[ξ][o][c] = (G w[o,c] Gᵀ)[ξ]) or rotated by 180° with the channels swapped (backward-data,
// U[ξ][c][o] = (G w[o,c]^rot Gᵀ)[ξ], w^rot[u][v] = w[2 − u][2 − v]).
void transform_filters(std::int64_t c_out, std::int64_t c_in, const float* w, bool backward, float* u) {
  const std::int64_t filters = c_out * c_in;
  // U is written in order (entry `at` of each U[ξ]); w[o, c] is read from wherever it lies.
#pragma omp parallel for schedule(static)
  for (std::int64_t at = 0; at < filters; ++at) {
    const std::int64_t o = backward ? at % c_out : at / c_in, c = backward ? at / c_out : at % c_in;
    const float* kernel = w + (o * c_in + c) * 9;
    float g[3][3], gg[4][3];  // g, then G g
    for (int a = 0; a < 3; ++a)
      for (int b = 0; b < 3; ++b) g[a][b] = backward ? kernel[(2 - a) * 3 + (2 - b)] : kernel[a * 3 + b];
    for (int b = 0; b < 3; ++b) {
      gg[0][b] = g[0][b];
      gg[1][b] = 0.5f * (g[0][b] + g[1][b] + g[2][b]);
      gg[2][b] = 0.5f * (g[0][b] - g[1][b] + g[2][b]);
      gg[3][b] = g[2][b];
    }
    for (int a = 0; a < 4; ++a) {  // (G g) Gᵀ, row a
      u[(a * 4 + 0) * filters + at] = gg[a][0];
      u[(a * 4 + 1) * filters + at] = 0.5f * (gg[a][0] + gg[a][1] + gg[a][2]);
      u[(a * 4 + 2) * filters + at] = 0.5f * (gg[a][0] - gg[a][1] + gg[a][2]);
      u[(a * 4 + 3) * filters + at] = gg[a][2];
    }
  }
}

// V[ξ][t] for the tiles t = j of tile row ti of one channel x (H, W); V[ξ] rows are `plane` floats
// apart. Tile j reads padded columns 2j … 2j + 3, i.e. even[j], odd[j], even[j + 1], odd[j + 1] of the
// padded row split by column parity: every loop then walks memory with unit stride and vectorises
// (`omp simd`: the rows never overlap, which the compiler cannot prove for so many pointers).
// scratch: 8·(2·cols + 2) floats.
void transform_input_tile_row(const Tiling& tiling, const float* x, std::int64_t ti, float* scratch, float* v,
                              std::int64_t plane) {
  const std::int64_t cols = tiling.cols(), padded = 2 * cols + 2, half = cols + 1;
  float* d = scratch;               // d[k]: input row 2ti − 1 + k, one zero column before it, zeros after
  float* e = scratch + 4 * padded;  // e[a] = (Bᵀ d)[a]
  float* split = scratch;           // then over d: even[a] at 2a·half, odd[a] at (2a + 1)·half
  for (std::int64_t k = 0; k < 4; ++k) {
    float* row = d + k * padded;
    const std::int64_t i = 2 * ti - 1 + k;
    std::fill(row, row + padded, 0.0f);
    if (i >= 0 && i < tiling.h) std::copy_n(x + i * tiling.w, tiling.w, row + 1);
  }
#pragma omp simd
  for (std::int64_t q = 0; q < padded; ++q) {  // Bᵀ d
    const float d0 = d[q], d1 = d[padded + q], d2 = d[2 * padded + q], d3 = d[3 * padded + q];
    e[q] = d0 - d2;
    e[padded + q] = d1 + d2;
    e[2 * padded + q] = d2 - d1;
    e[3 * padded + q] = d1 - d3;
  }
  for (std::int64_t a = 0; a < 4; ++a)
    for (std::int64_t j = 0; j < half; ++j) {
      split[2 * a * half + j] = e[a * padded + 2 * j];
      split[(2 * a + 1) * half + j] = e[a * padded + 2 * j + 1];
    }
  for (std::int64_t a = 0; a < 4; ++a) {  // (Bᵀ d) B, row a
    const float *even = split + 2 * a * half, *odd = split + (2 * a + 1) * half;
    float *v0 = v + (a * 4) * plane, *v1 = v0 + plane, *v2 = v1 + plane, *v3 = v2 + plane;
#pragma omp simd
    for (std::int64_t j = 0; j < cols; ++j) {
      const float e0 = even[j], o0 = odd[j], e1 = even[j + 1], o1 = odd[j + 1];
      v0[j] = e0 - e1;
      v1[j] = o0 + e1;
      v2[j] = e1 - o0;
      v3[j] = o0 - o1;
    }
  }
}

// V[ξ][c][t] = (Bᵀ d B)[ξ] for tile rows [r0, r1) of one image x (channels, H, W).
void transform_input_band(const Tiling& tiling, std::int64_t channels, const float* x, std::int64_t r0, std::int64_t r1,
                          float* v) {
  const std::int64_t cols = tiling.cols(), tiles = (r1 - r0) * cols, plane = channels * tiles;
#pragma omp parallel for schedule(static)
  for (std::int64_t c = 0; c < channels; ++c) {
    thread_local std::vector<float> scratch;
    float* rows = grown(scratch, 8 * (2 * cols + 2));
    for (std::int64_t ti = r0; ti < r1; ++ti)
      transform_input_tile_row(tiling, x + c * tiling.h * tiling.w, ti, rows, v + c * tiles + (ti - r0) * cols, plane);
  }
}

// The two output rows 2ti, 2ti + 1 (each 2·cols wide) of tile row ti = Aᵀ M A of its tiles, from M[ξ][t]
// (M[ξ] rows `plane` floats apart). scratch: 8·cols floats.
void transform_output_tile_row(std::int64_t cols, const float* m, std::int64_t plane, float* scratch, float* out) {
  for (std::int64_t b = 0; b < 4; ++b) {  // Aᵀ M, column b of every tile
    const float *m0 = m + b * plane, *m1 = m0 + 4 * plane, *m2 = m1 + 4 * plane, *m3 = m2 + 4 * plane;
    float *s0 = scratch + b * cols, *s1 = scratch + (4 + b) * cols;
#pragma omp simd
    for (std::int64_t j = 0; j < cols; ++j) {
      s0[j] = m0[j] + m1[j] + m2[j];
      s1[j] = m1[j] - m2[j] - m3[j];
    }
  }
  for (std::int64_t a = 0; a < 2; ++a) {  // (Aᵀ M) A, row a: output columns 2j and 2j + 1
    const float *s0 = scratch + 4 * a * cols, *s1 = s0 + cols, *s2 = s1 + cols, *s3 = s2 + cols;
    float* row = out + 2 * a * cols;
#pragma omp simd
    for (std::int64_t j = 0; j < cols; ++j) {
      row[2 * j] = s0[j] + s1[j] + s2[j];
      row[2 * j + 1] = s1[j] - s2[j] - s3[j];
    }
  }
}

// dst = epilogue(src) over one output row of `count` values of channel o, at `offset` in the image.
void finish_row(const Epilogue& epilogue, std::int64_t o, std::int64_t offset, std::int64_t count, const float* src,
                float* dst) {
  if (epilogue.gate != nullptr) {
    const float* gate = epilogue.gate + offset;
#pragma omp simd
    for (std::int64_t k = 0; k < count; ++k) {
      const float value = src[k];
      dst[k] = gate[k] <= 0.0f ? 0.0f : value;  // a select, not a branch
    }
  } else if (epilogue.bias != nullptr) {
    const float bias = epilogue.bias[o];
    if (epilogue.relu) {
      for (std::int64_t k = 0; k < count; ++k) dst[k] = std::max(src[k] + bias, 0.0f);
    } else {
      for (std::int64_t k = 0; k < count; ++k) dst[k] = src[k] + bias;
    }
  } else if (epilogue.relu) {
    for (std::int64_t k = 0; k < count; ++k) dst[k] = std::max(src[k], 0.0f);
  } else {
    std::copy_n(src, count, dst);
  }
}

// y = epilogue(Aᵀ M A) for tile rows [r0, r1) of one image y (channels, H, W); the parts of the last
// tiles that fall outside an odd H or W are computed but not written.
void transform_output_band(const Tiling& tiling, std::int64_t channels, const float* m, std::int64_t r0,
                           std::int64_t r1, const Epilogue& epilogue, float* y) {
  const std::int64_t cols = tiling.cols(), tiles = (r1 - r0) * cols, plane = channels * tiles;
#pragma omp parallel for schedule(static)
  for (std::int64_t o = 0; o < channels; ++o) {
    thread_local std::vector<float> scratch;
    float* out = grown(scratch, 12 * cols);  // the two output rows, then transform_output_tile_row's scratch
    for (std::int64_t ti = r0; ti < r1; ++ti) {
      transform_output_tile_row(cols, m + o * tiles + (ti - r0) * cols, plane, out + 4 * cols, out);
      for (std::int64_t a = 0; a < 2 && 2 * ti + a < tiling.h; ++a) {
        const std::int64_t offset = (o * tiling.h + 2 * ti + a) * tiling.w;
        finish_row(epilogue, o, offset, tiling.w, out + 2 * a * cols, y + offset);
      }
    }
  }
}

// Tile rows per band: as many as keep V and M within kBandFloats (at least one), spread evenly.
std::int64_t band_tile_rows(const Tiling& tiling, std::int64_t channels) {
  const std::int64_t cols = tiling.cols(), rows = tiling.rows();
  const std::int64_t most = std::clamp<std::int64_t>(kBandFloats / (kPositions * channels * cols), 1, rows);
  const std::int64_t bands = (rows + most - 1) / most;
  return (rows + bands - 1) / bands;
}

std::int64_t band_floats(const Tiling& tiling, std::int64_t channels) {
  return kPositions * channels * band_tile_rows(tiling, channels) * tiling.cols();
}

// y (N, ch_out, H, W) = the Winograd convolution of x (N, ch_in, H, W) with the transformed filters
// u = U[ξ] (ch_out × ch_in); `gate`, when given, is (N, ch_out, H, W) like y.
void winograd_convolve(const Tiling& tiling, std::int64_t n, std::int64_t ch_in, std::int64_t ch_out, const float* x,
                       const float* u, const float* bias, bool relu, const float* gate, float* y) {
  const std::int64_t cols = tiling.cols(), rows = tiling.rows();
  const std::int64_t band_rows = band_tile_rows(tiling, ch_in + ch_out);
  thread_local std::vector<float> band_scratch;
  float* v = grown(band_scratch, band_floats(tiling, ch_in + ch_out));
  float* m = v + kPositions * ch_in * band_rows * cols;
  const std::int64_t image_in = ch_in * tiling.h * tiling.w, image_out = ch_out * tiling.h * tiling.w;
  for (std::int64_t i = 0; i < n; ++i) {
    const Epilogue epilogue{bias, relu, gate != nullptr ? gate + i * image_out : nullptr};
    for (std::int64_t r0 = 0; r0 < rows; r0 += band_rows) {
      const std::int64_t r1 = std::min(rows, r0 + band_rows), tiles = (r1 - r0) * cols;
      transform_input_band(tiling, ch_in, x + i * image_in, r0, r1, v);
      // M[ξ] = U[ξ] · V[ξ]: (ch_out × ch_in)·(ch_in × tiles), for the 16 positions ξ.
      sgemm_tiled(kPositions, ch_out * ch_in, ch_in * tiles, ch_out * tiles, false, ch_out, tiles, ch_in, 1.0f, u,
                  ch_in, v, tiles, 0.0f, m, tiles);
      transform_output_band(tiling, ch_out, m, r0, r1, epilogue, y + i * image_out);
    }
  }
}

float* filter_scratch(const Conv2dParams& p) {
  thread_local std::vector<float> scratch;
  return grown(scratch, winograd_filter_floats(p));
}

}  // namespace

std::int64_t winograd_filter_floats(const Conv2dParams& p) { return kPositions * p.c_out * p.c_in; }

std::int64_t winograd_band_floats(const Conv2dParams& p) { return band_floats({p.h, p.w}, p.c_in + p.c_out); }

void winograd_filters(const Conv2dParams& p, const float* w, bool backward, float* u) {
  transform_filters(p.c_out, p.c_in, w, backward, u);
}

void conv2d_forward_winograd_filters_cpu(const Conv2dParams& p, const float* x, const float* u, const float* b,
                                         bool relu, float* y) {
  winograd_convolve({p.h, p.w}, p.n, p.c_in, p.c_out, x, u, b, relu, nullptr, y);
}

void conv2d_backward_data_winograd_filters_cpu(const Conv2dParams& p, const float* dy, const float* u,
                                               const float* gate, float* dx) {
  winograd_convolve({p.h, p.w}, p.n, p.c_out, p.c_in, dy, u, nullptr, false, gate, dx);
}

bool winograd_applies(const Conv2dParams& p) {
  return p.kh == 3 && p.kw == 3 && p.stride == 1 && p.pad == 1 && p.c_in >= 8 && p.c_out >= 8;
}

void conv2d_forward_winograd_cpu(const Conv2dParams& p, const float* x, const float* w, const float* b, bool relu,
                                 float* y) {
  float* u = filter_scratch(p);
  winograd_filters(p, w, /*backward=*/false, u);
  conv2d_forward_winograd_filters_cpu(p, x, u, b, relu, y);
}

void conv2d_backward_data_winograd_cpu(const Conv2dParams& p, const float* dy, const float* w, const float* gate,
                                       float* dx) {
  float* u = filter_scratch(p);
  winograd_filters(p, w, /*backward=*/true, u);
  conv2d_backward_data_winograd_filters_cpu(p, dy, u, gate, dx);
}

}  // namespace nst
