// Separable bicubic resampling, antialiased when shrinking (the scheme of PIL's Image.resize with
// BICUBIC): output pixel o along an axis of n_in → n_out samples the source around its centre
//   c = (o + ½)·s,  s = n_in / n_out,
// with weights w_j = K((j + ½ − c) / f), f = max(s, 1), normalised to sum to 1, where K is Keys'
// cubic convolution kernel with a = −½ (Keys 1981, "Cubic convolution interpolation for digital
// image processing", IEEE TASSP 29(6)):
//   K(x) = (a+2)|x|³ − (a+3)|x|² + 1      for |x| ≤ 1
//          a|x|³ − 5a|x|² + 8a|x| − 4a    for 1 < |x| < 2,   0 otherwise.
// Widening K by f when shrinking makes each output average all the source pixels it covers.
// Source indices past an edge are clamped to it (the edge pixel repeats). Rows are filtered
// first, then columns; the result is clamped to [0, 255] (the cubic lobes can overshoot).
#include <algorithm>
#include <cmath>
#include <vector>

#include "apps/image.h"
#include "apps/image_check.h"
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

struct Tap {
  int source;  // clamped source index
  double weight;
};

// taps[o]: the source samples that make output sample o along one axis.
std::vector<std::vector<Tap>> axis_taps(int in_size, int out_size) {
  const double scale = double(in_size) / double(out_size);
  const double stretch = std::max(scale, 1.0);
  const double radius = 2.0 * stretch;  // K is zero beyond |x| = 2
  std::vector<std::vector<Tap>> taps(static_cast<std::size_t>(out_size));
  for (int o = 0; o < out_size; ++o) {
    const double centre = (o + 0.5) * scale;
    const int first = static_cast<int>(std::floor(centre - radius - 0.5));
    const int last = static_cast<int>(std::ceil(centre + radius - 0.5));
    double total = 0.0;
    for (int j = first; j <= last; ++j) {
      const double weight = keys_cubic((j + 0.5 - centre) / stretch);
      if (weight == 0.0) continue;
      taps[o].push_back({std::clamp(j, 0, in_size - 1), weight});
      total += weight;
    }
    for (Tap& tap : taps[o]) tap.weight /= total;
  }
  return taps;
}

}  // namespace

Image resize(const Image& image, int width, int height) {
  check_image(image, "resize");
  NST_CHECK(width > 0 && height > 0, "resize: the target size " << width << "×" << height << " is not positive");
  const auto column_taps = axis_taps(image.width, width);
  const auto row_taps = axis_taps(image.height, height);
  const std::size_t in_w = std::size_t(image.width), out_w = std::size_t(width);

  // Along rows: (height_in × width_in × 3) → (height_in × width × 3).
  std::vector<float> rows_done(std::size_t(image.height) * out_w * 3);
  for (std::size_t y = 0; y < std::size_t(image.height); ++y) {
    for (std::size_t x = 0; x < out_w; ++x) {
      for (std::size_t c = 0; c < 3; ++c) {
        double sum = 0.0;
        for (const Tap& tap : column_taps[x])
          sum += tap.weight * image.rgb[(y * in_w + std::size_t(tap.source)) * 3 + c];
        rows_done[(y * out_w + x) * 3 + c] = static_cast<float>(sum);
      }
    }
  }

  // Along columns: (height_in × width × 3) → (height × width × 3), clamped.
  Image out{width, height, std::vector<float>(std::size_t(height) * out_w * 3)};
  for (std::size_t y = 0; y < std::size_t(height); ++y) {
    for (std::size_t i = 0; i < out_w * 3; ++i) {
      double sum = 0.0;
      for (const Tap& tap : row_taps[y]) sum += tap.weight * rows_done[std::size_t(tap.source) * out_w * 3 + i];
      out.rgb[y * out_w * 3 + i] = static_cast<float>(std::clamp(sum, 0.0, 255.0));
    }
  }
  return out;
}

ImageSize longer_side_size(int width, int height, int longer_side) {
  const auto shorter = [&](int side, int other) {
    return std::max(1, static_cast<int>(std::lround(double(side) * longer_side / double(other))));
  };
  if (width >= height) return {longer_side, shorter(height, width)};
  return {shorter(width, height), longer_side};
}

Image resize_longer_side(const Image& image, int longer_side) {
  check_image(image, "resize_longer_side");
  NST_CHECK(longer_side > 0, "resize_longer_side: the longer side " << longer_side << " is not positive");
  const ImageSize size = longer_side_size(image.width, image.height, longer_side);
  return resize(image, size.width, size.height);
}

}  // namespace nst
