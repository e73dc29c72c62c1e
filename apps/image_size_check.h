#pragma once
// Before the network is built: is every image of the run, at the size it is resized to, large
// enough to reach the deepest layer the losses read? VGG19 halves the image at each 2×2 pool
// (rounding down) and a pool needs two pixels on a side, so a convolution after p pools needs a
// shorter side of at least 2^p pixels: 1 in block 1, 2 in block 2, 4, 8 (relu4_x), 16 (relu5_x).
#include <string>
#include <vector>

#include "apps/image.h"
#include "layers/taps.h"

namespace nst {

// The longer side of the style images: --image-size × --style-scale, rounded, at least 16.
int style_side(int image_size, double style_scale);

// 2^(the pools before `tap`'s convolution).
int smallest_side_reaching(const Tap& tap);

struct RunImage {
  std::string what;    // "the content image a.jpg"
  ImageSize original;  // as read
  bool is_style;       // resized to style_side(), not --image-size
};

// Throws nst::Error when an image, resized for --image-size `image_size`, is too small to reach
// `deepest`: it names the image, its resized size, the side it needs and the smallest
// --image-size (up to `largest_image_size`) with which every image reaches the layer.
void check_images_reach(const Tap& deepest, const std::vector<RunImage>& images, int image_size, double style_scale,
                        int largest_image_size);

}  // namespace nst
