#pragma once
// The invariant every Image must keep (private to apps/): a positive size and width × height × 3
// values. Functions that take an Image check it first, so a bad one fails where it enters.
#include <cstddef>

#include "apps/image.h"
#include "engine/error.h"

namespace nst {

inline std::size_t pixel_count(const Image& image) {
  return static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height);
}

inline void check_image(const Image& image, const char* what) {
  NST_CHECK(image.width > 0 && image.height > 0 && image.rgb.size() == pixel_count(image) * 3,
            what << ": an image of " << image.width << "×" << image.height << " needs "
                 << "width × height × 3 values and has " << image.rgb.size());
}

}  // namespace nst
