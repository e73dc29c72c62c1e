#pragma once
// Separable bicubic resampling, antialiased when shrinking (the scheme of PIL's Image.resize with
// BICUBIC), on planes of floats however they are laid out: the one resize of the project, used by
// apps/ for image files (interleaved RGB) and by the coarse-to-fine schedule (layers/scales.h) to
// carry an image from one scale to the next (VGG inputs, planar).
#include "engine/tensor.h"

namespace nst {

struct ImageSize {
  int width = 0;
  int height = 0;
};

// The size a width × height image has once resized so that its longer side is `longer_side`: the
// shorter side keeps the ratio, rounded, and keeps at least one pixel.
ImageSize longer_side_size(int width, int height, int longer_side);

// Where value (plane p, row y, column x) of a buffer is: p·plane_stride + y·row_stride + x·column_stride.
struct PlanesLayout {
  int planes = 0, height = 0, width = 0;
  std::size_t plane_stride = 0, row_stride = 0, column_stride = 0;
};

// Resamples every plane of `in` to out's height × width (see resample.cpp for the formula). Values
// are not clamped (the cubic lobes can overshoot the source's range by a few percent).
void resample_bicubic(const float* in, const PlanesLayout& in_layout, float* out, const PlanesLayout& out_layout);

// x: (N, C, H, W) on any device; returns (N, C, size.height, size.width) on x's device, each plane
// resampled as above (through the host: once per scale, not per iteration).
Tensor resample_bicubic(const Tensor& x, ImageSize size);

}  // namespace nst
