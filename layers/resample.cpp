// Separable bicubic resampling (layers/resample.h): output sample o along an axis of n_in → n_out
// samples the source around its centre
//   c = (o + ½)·s,  s = n_in / n_out,
// with weights w_j = K((j + ½ − c) / f), f = max(s, 1), normalised to sum to 1, where K is Keys'
// cubic convolution kernel with a = −½ (Keys 1981, "Cubic convolution interpolation for digital
// image processing", IEEE TASSP 29(6)):
//   K(x) = (a+2)|x|³ − (a+3)|x|² + 1      for |x| ≤ 1
//          a|x|³ − 5a|x|² + 8a|x| − 4a    for 1 < |x| < 2,   0 otherwise.
// Widening K by f when shrinking makes each output average all the source pixels it covers.
// Source indices past an edge are clamped to it (the edge sample repeats). Rows are filtered
// first (into a float buffer), then columns, each sum in double. The weights sum to 1, so the
// resampling commutes with adding a constant to a plane (VGG's mean subtraction).
#include "layers/resample.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/error.h"

namespace nst {

namespace {

double keys_cubic(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x <= 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a;
  return 0.0;
}

struct SourceTap {
  std::size_t source;  // clamped source index
  double weight;
};

// taps[o]: the source samples that make output sample o along one axis.
std::vector<std::vector<SourceTap>> axis_taps(int in_size, int out_size) {
  const double scale = double(in_size) / double(out_size);
  const double stretch = std::max(scale, 1.0);
  const double radius = 2.0 * stretch;  // K is zero beyond |x| = 2
  std::vector<std::vector<SourceTap>> taps(static_cast<std::size_t>(out_size));
  for (int o = 0; o < out_size; ++o) {
    const double centre = (o + 0.5) * scale;
    const int first = static_cast<int>(std::floor(centre - radius - 0.5));
    const int last = static_cast<int>(std::ceil(centre + radius - 0.5));
    double total = 0.0;
    for (int j = first; j <= last; ++j) {
      const double weight = keys_cubic((j + 0.5 - centre) / stretch);
      if (weight == 0.0) continue;
      taps[o].push_back({static_cast<std::size_t>(std::clamp(j, 0, in_size - 1)), weight});
      total += weight;
    }
    for (SourceTap& tap : taps[o]) tap.weight /= total;
  }
  return taps;
}

}  // namespace

ImageSize longer_side_size(int width, int height, int longer_side) {
  const auto shorter = [&](int side, int other) {
    return std::max(1, static_cast<int>(std::lround(double(side) * longer_side / double(other))));
  };
  if (width >= height) return {longer_side, shorter(height, width)};
  return {shorter(width, height), longer_side};
}

void resample_bicubic(const float* in, const PlanesLayout& in_layout, float* out, const PlanesLayout& out_layout) {
  NST_CHECK(in_layout.planes == out_layout.planes && in_layout.height > 0 && in_layout.width > 0 &&
                out_layout.height > 0 && out_layout.width > 0,
            "resample_bicubic: " << in_layout.planes << " planes of " << in_layout.width << "×" << in_layout.height
                                 << " to " << out_layout.planes << " planes of " << out_layout.width << "×"
                                 << out_layout.height);
  const auto column_taps = axis_taps(in_layout.width, out_layout.width);
  const auto row_taps = axis_taps(in_layout.height, out_layout.height);
  const auto planes = std::size_t(in_layout.planes), in_h = std::size_t(in_layout.height);
  const auto out_h = std::size_t(out_layout.height), out_w = std::size_t(out_layout.width);

  // Along rows: in_h × out_w per plane, laid out (row, column, plane).
  std::vector<float> rows_done(in_h * out_w * planes);
  for (std::size_t y = 0; y < in_h; ++y)
    for (std::size_t x = 0; x < out_w; ++x)
      for (std::size_t p = 0; p < planes; ++p) {
        const float* row = in + p * in_layout.plane_stride + y * in_layout.row_stride;
        double sum = 0.0;
        for (const SourceTap& tap : column_taps[x]) sum += tap.weight * row[tap.source * in_layout.column_stride];
        rows_done[(y * out_w + x) * planes + p] = static_cast<float>(sum);
      }

  // Along columns: out_h × out_w per plane.
  for (std::size_t y = 0; y < out_h; ++y)
    for (std::size_t x = 0; x < out_w; ++x)
      for (std::size_t p = 0; p < planes; ++p) {
        double sum = 0.0;
        for (const SourceTap& tap : row_taps[y]) sum += tap.weight * rows_done[(tap.source * out_w + x) * planes + p];
        out[p * out_layout.plane_stride + y * out_layout.row_stride + x * out_layout.column_stride] =
            static_cast<float>(sum);
      }
}

Tensor resample_bicubic(const Tensor& x, ImageSize size) {
  NST_CHECK(x.rank() == 4, "resample_bicubic: x is " << to_string(x.shape()) << ", not (N, C, H, W)");
  const Tensor host = x.to(Device::cpu);
  Tensor out(Shape{x.dim(0), x.dim(1), size.height, size.width}, Device::cpu);
  const auto planar = [&](int height, int width) {
    const std::size_t plane = std::size_t(height) * std::size_t(width);
    return PlanesLayout{static_cast<int>(x.dim(0) * x.dim(1)), height, width, plane, std::size_t(width), 1};
  };
  resample_bicubic(host.data(), planar(static_cast<int>(x.dim(2)), static_cast<int>(x.dim(3))), out.data(),
                   planar(size.height, size.width));
  return out.to(x.device());
}

}  // namespace nst
