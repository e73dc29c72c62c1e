#include "apps/image_difference.h"

#include <cmath>
#include <cstddef>
#include <limits>

#include "engine/error.h"

namespace nst {

double ImageDifference::psnr_db() const {
  if (mean_squared == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(255.0 * 255.0 / mean_squared);
}

ImageDifference image_difference(const Image& a, const Image& b) {
  NST_CHECK(a.width == b.width && a.height == b.height,
            "the images differ in size: " << a.width << "x" << a.height << " and " << b.width << "x" << b.height);
  ImageDifference d;
  d.width = a.width;
  d.height = a.height;
  const std::size_t n = a.rgb.size();
  if (n == 0) return d;
  double squares = 0, magnitudes = 0;  // in double: 2^28 pixels of up to 255² each stay exact enough
  for (std::size_t i = 0; i < n; ++i) {
    const double difference = std::abs(double(a.rgb[i]) - double(b.rgb[i]));
    squares += difference * difference;
    magnitudes += difference;
    if (difference > d.largest) {
      d.largest = difference;
      d.channel = int(i % 3);
      d.x = int(i / 3 % std::size_t(a.width));
      d.y = int(i / 3 / std::size_t(a.width));
    }
  }
  d.mean_squared = squares / double(n);
  d.mean_absolute = magnitudes / double(n);
  return d;
}

}  // namespace nst
