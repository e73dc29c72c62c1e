#pragma once
// Projection of an NCHW tensor onto a box of per-channel bounds, lower_c ≤ x_nchw ≤ upper_c
// (kernels/box_projection.h): what keeps an optimizer's image inside the values a picture can hold.
#include "engine/tensor.h"

namespace nst::ops {

// x ← min(max(x, lower_c), upper_c) in place. lower and upper: (C) tensors on x's device, with
// lower_c ≤ upper_c (the caller's to check: they stay on the device). With `step` (x's shape), what
// the projection cut is taken from it too: step ← step − (x before − x after).
void project_onto_box(Tensor& x, const Tensor& lower, const Tensor& upper, Tensor* step = nullptr);

// v ← 0 where a bound binds at x for the gradient g, (x ≤ lower_c and g > 0) or (x ≥ upper_c and
// g < 0); v elsewhere unchanged. x, gradient and v of one shape; v may be a copy of the gradient
// (the projected gradient) or a direction (its free part).
void zero_where_bounds_bind(const Tensor& x, const Tensor& gradient, const Tensor& lower, const Tensor& upper,
                            Tensor& v);

}  // namespace nst::ops
