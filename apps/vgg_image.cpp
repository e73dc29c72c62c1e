// Images in and out of VGG19's input space, and the luminance-only colour transfer.
//
// VGG input (Keras' 'caffe' mode): x[0, 0, y, x] = B − 103.939, x[0, 1] = G − 116.779,
// x[0, 2] = R − 123.68, with R, G, B in 0–255 (the ImageNet mean pixel, in BGR order).
// In float, (v − m) + m == v for every integer v in [0, 255] and these three m, so
// to_vgg_input → from_vgg_input returns integer pixels exactly.
#include "apps/vgg_image.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "apps/image_check.h"
#include "engine/error.h"

namespace nst {

namespace {

// Indexed by VGG channel (B, G, R); kRgbOfChannel says which RGB channel each one is.
constexpr float kMeanBgr[3] = {103.939f, 116.779f, 123.68f};
constexpr std::size_t kRgbOfChannel[3] = {2, 1, 0};

using Matrix3 = std::array<std::array<double, 3>, 3>;

// RGB → YIQ, the NTSC transform (FCC 1953 colour standard; coefficients as tabulated in
// Wikipedia, "YIQ"). Rows: Y (luminance), I and Q (chrominance; they vanish on greys).
constexpr Matrix3 kRgbToYiq = {
    {{0.299, 0.587, 0.114}, {0.595716, -0.274453, -0.321263}, {0.211456, -0.522591, 0.311135}}};

// The exact inverse (adjugate over determinant), so RGB → YIQ → RGB is the identity up to
// rounding (the four-digit inverse usually printed beside the matrix is off by up to 2.4e-5).
Matrix3 inverse(const Matrix3& m) {
  // Cofactor of m[i][j]; the cyclic indices carry its sign.
  const auto cofactor = [&](int i, int j) {
    const int i1 = (i + 1) % 3, i2 = (i + 2) % 3, j1 = (j + 1) % 3, j2 = (j + 2) % 3;
    return m[i1][j1] * m[i2][j2] - m[i1][j2] * m[i2][j1];
  };
  const double determinant = m[0][0] * cofactor(0, 0) + m[0][1] * cofactor(0, 1) + m[0][2] * cofactor(0, 2);
  Matrix3 result{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) result[j][i] = cofactor(i, j) / determinant;
  return result;
}

double row_times(const std::array<double, 3>& row, const float* rgb) {
  return row[0] * rgb[0] + row[1] * rgb[1] + row[2] * rgb[2];
}

}  // namespace

ChannelBounds vgg_input_bounds() {
  ChannelBounds bounds;
  for (const float mean : kMeanBgr) {
    bounds.lower.push_back(0.0f - mean);
    bounds.upper.push_back(255.0f - mean);
  }
  return bounds;
}

Tensor to_vgg_input(const Image& image, Device device) {
  check_image(image, "to_vgg_input");
  const std::size_t plane = pixel_count(image);
  std::vector<float> values(3 * plane);
  for (std::size_t channel = 0; channel < 3; ++channel)
    for (std::size_t p = 0; p < plane; ++p)
      values[channel * plane + p] = image.rgb[p * 3 + kRgbOfChannel[channel]] - kMeanBgr[channel];
  return Tensor::from_host({1, 3, image.height, image.width}, values, device);
}

Image from_vgg_input(const Tensor& x) {
  NST_CHECK(x.rank() == 4 && x.dim(0) == 1 && x.dim(1) == 3 && x.dim(2) > 0 && x.dim(3) > 0,
            "from_vgg_input: expected a (1, 3, H, W) tensor, got " << to_string(x.shape()));
  const std::vector<float> values = x.to_host();
  Image image{static_cast<int>(x.dim(3)), static_cast<int>(x.dim(2)), {}};
  const std::size_t plane = pixel_count(image);
  image.rgb.resize(3 * plane);
  for (std::size_t channel = 0; channel < 3; ++channel)
    for (std::size_t p = 0; p < plane; ++p)
      image.rgb[p * 3 + kRgbOfChannel[channel]] =
          std::clamp(values[channel * plane + p] + kMeanBgr[channel], 0.0f, 255.0f);
  return image;
}

// Gatys, Bethge, Hertzmann & Shechtman (2016), "Preserving color in neural artistic style
// transfer", arXiv:1606.05897, §2: keep the content's chrominance, take only the luminance from
// the stylised image. Per pixel: Y from `stylised`, I and Q from `content`, back to RGB, clamped.
Image keep_original_colors(const Image& stylised, const Image& content) {
  check_image(stylised, "keep_original_colors (stylised image)");
  check_image(content, "keep_original_colors (content image)");
  NST_CHECK(stylised.width == content.width && stylised.height == content.height,
            "keep_original_colors: the stylised image is " << stylised.width << "×" << stylised.height
                                                           << " but the content image is " << content.width << "×"
                                                           << content.height);
  static const Matrix3 yiq_to_rgb = inverse(kRgbToYiq);
  Image out{stylised.width, stylised.height, std::vector<float>(stylised.rgb.size())};
  for (std::size_t p = 0; p < pixel_count(out); ++p) {
    const double yiq[3] = {row_times(kRgbToYiq[0], &stylised.rgb[p * 3]), row_times(kRgbToYiq[1], &content.rgb[p * 3]),
                           row_times(kRgbToYiq[2], &content.rgb[p * 3])};
    for (std::size_t c = 0; c < 3; ++c) {
      const double value = yiq_to_rgb[c][0] * yiq[0] + yiq_to_rgb[c][1] * yiq[1] + yiq_to_rgb[c][2] * yiq[2];
      out.rgb[p * 3 + c] = static_cast<float>(std::clamp(value, 0.0, 255.0));
    }
  }
  return out;
}

}  // namespace nst
