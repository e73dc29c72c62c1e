#include "apps/image_size_check.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "engine/error.h"
#include "weights/vgg19_spec.h"

namespace nst {

namespace {

ImageSize resized(const RunImage& image, int image_size, double style_scale) {
  const int side = image.is_style ? style_side(image_size, style_scale) : image_size;
  return longer_side_size(image.original.width, image.original.height, side);
}

std::string format_scale(double scale) {
  std::ostringstream out;
  out << scale;
  return out.str();
}

bool reaches(const ImageSize& size, int needed) { return std::min(size.width, size.height) >= needed; }

}  // namespace

int style_side(int image_size, double style_scale) {
  return std::max(16, static_cast<int>(std::lround(static_cast<double>(image_size) * style_scale)));
}

int smallest_side_reaching(const Tap& tap) {
  const auto& specs = vgg19_conv_specs();
  int side = 1;
  for (int k = 0; k < tap.conv_index; ++k)
    if (specs[static_cast<std::size_t>(k)].pool_after) side *= 2;
  return side;
}

void check_images_reach(const Tap& deepest, const std::vector<RunImage>& images, int image_size, double style_scale,
                        int largest_image_size) {
  const int needed = smallest_side_reaching(deepest);
  for (const RunImage& image : images) {
    const ImageSize size = resized(image, image_size, style_scale);
    if (reaches(size, needed)) continue;
    int works = 0;
    for (int s = image_size + 1; s <= largest_image_size && works == 0; ++s)
      if (std::all_of(images.begin(), images.end(),
                      [&](const RunImage& i) { return reaches(resized(i, s, style_scale), needed); }))
        works = s;
    const int pools = static_cast<int>(std::lround(std::log2(needed)));
    NST_FAIL(image.what << ", resized to " << size.width << "x" << size.height << " (--image-size " << image_size
                        << (image.is_style ? " × --style-scale " + format_scale(style_scale) : "")
                        << "), is too small to reach " << deepest.name << ": the " << pools
                        << " poolings before it halve the image, so its shorter side must be at "
                        << "least " << needed << " pixels; "
                        << (works > 0 ? "the smallest --image-size that works is " + std::to_string(works)
                                      : "no --image-size up to " + std::to_string(largest_image_size) +
                                            " works; choose a shallower layer"));
  }
}

}  // namespace nst
