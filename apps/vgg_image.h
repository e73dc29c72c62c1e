#pragma once
// Images in and out of VGG19's input space, Keras' 'caffe' preprocessing: RGB → BGR, 0–255,
// minus the ImageNet mean pixel (B 103.939, G 116.779, R 123.68), as a (1, 3, H, W) tensor.
#include "apps/image.h"
#include "engine/tensor.h"
#include "layers/channel_bounds.h"

namespace nst {

Tensor to_vgg_input(const Image& image, Device device);
// The inverse, clamped to [0, 255].
Image from_vgg_input(const Tensor& x);
// The values a picture can hold in VGG input space: channel c in [0 − mean_c, 255 − mean_c].
ChannelBounds vgg_input_bounds();

// Luminance-only transfer ("--original-colors"): the luminance Y of `stylised` with the chrominance
// (I, Q of YIQ) of `content`, same size.
Image keep_original_colors(const Image& stylised, const Image& content);

}  // namespace nst
