#pragma once
// Winograd F(2×2, 3×3) convolution on the CPU (Lavin & Gray 2015): the 3×3 / stride 1 / pad 1 case
// of conv2d_forward_cpu and conv2d_backward_data_cpu, which route here when winograd_applies(p).
// Same arguments and results as those two (kernels/conv2d.h), to within rounding: F(2, 3)'s
// transforms add and subtract up to four terms with coefficients ½. Besides kernels/cpu, only
// ops::PreparedConvWeights uses this header, to transform a layer's filters once.
#include "kernels/conv2d.h"

namespace nst {

// 3×3, stride 1, pad 1 (the output is H×W), and enough channels on both sides that the 16 small
// matrix products beat one im2col product (measured: not conv1_1, with its 3 image channels).
bool winograd_applies(const Conv2dParams& p);

// The two entry points take any 3×3 / stride 1 / pad 1 shape, whatever winograd_applies says, so
// the tests can exercise them on every shape.
void conv2d_forward_winograd_cpu(const Conv2dParams& p, const float* x, const float* w, const float* b, bool relu,
                                 float* y);
void conv2d_backward_data_winograd_cpu(const Conv2dParams& p, const float* dy, const float* w, const float* gate,
                                       float* dx);

// The same two with the filter transform split off, for weights used in many calls: u holds
// winograd_filter_floats(p) floats, written by winograd_filters for one direction (forward, or
// backward-data: the kernels rotated by 180° with the channels swapped). Only C_in and C_out of p
// matter to the transform. Each pair gives the same bits as the entry point above.
std::int64_t winograd_filter_floats(const Conv2dParams& p);
// The floats of V and M for one band of tile rows of p (forward and backward-data alike: the band
// holds C_in + C_out channels either way).
std::int64_t winograd_band_floats(const Conv2dParams& p);
void winograd_filters(const Conv2dParams& p, const float* w, bool backward, float* u);
void conv2d_forward_winograd_filters_cpu(const Conv2dParams& p, const float* x, const float* u, const float* b,
                                         bool relu, float* y);
void conv2d_backward_data_winograd_filters_cpu(const Conv2dParams& p, const float* dy, const float* u,
                                               const float* gate, float* dx);

}  // namespace nst
