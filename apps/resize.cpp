// Image files resized with the project's one resampler (layers/resample.h: separable bicubic,
// Keys a = −½, antialiased when shrinking; PIL's BICUBIC), on the interleaved RGB of an Image,
// the result clamped to [0, 255] (the cubic lobes can overshoot).
#include <algorithm>

#include "apps/image.h"
#include "apps/image_check.h"
#include "engine/error.h"

namespace nst {

namespace {

PlanesLayout interleaved_rgb(int width, int height) {
  return PlanesLayout{3, height, width, 1, std::size_t(width) * 3, 3};
}

}  // namespace

Image resize(const Image& image, int width, int height) {
  check_image(image, "resize");
  NST_CHECK(width > 0 && height > 0, "resize: the target size " << width << "×" << height << " is not positive");
  Image out{width, height, std::vector<float>(std::size_t(height) * std::size_t(width) * 3)};
  resample_bicubic(image.rgb.data(), interleaved_rgb(image.width, image.height), out.rgb.data(),
                   interleaved_rgb(width, height));
  for (float& v : out.rgb) v = std::clamp(v, 0.0f, 255.0f);
  return out;
}

Image resize_longer_side(const Image& image, int longer_side) {
  check_image(image, "resize_longer_side");
  NST_CHECK(longer_side > 0, "resize_longer_side: the longer side " << longer_side << " is not positive");
  const ImageSize size = longer_side_size(image.width, image.height, longer_side);
  return resize(image, size.width, size.height);
}

}  // namespace nst
