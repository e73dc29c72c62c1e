#pragma once
// Bounds on an image's values, one interval per channel, and the projection that keeps an
// optimizer's iterate inside them (engine/ops/box_projection.h).
//
// Why: a picture holds only 0–255 per channel. An unbounded optimizer happily drives values
// outside, where the objective rewards them; writing the image clamps them, and the written picture
// is then worse than the one optimised (docs/MATH.md §5.5). Projecting each iterate onto the box
// (projected gradient descent: Bertsekas, Nonlinear Programming, §2.3) optimises the picture that
// will be written.
#include <vector>

#include "engine/tensor.h"

namespace nst {

// No std::optional around it where it is optional: empty lists mean no bounds (GCC 12 warns, falsely,
// that a disengaged optional's vectors may be read uninitialized when options holding one are copied).
struct ChannelBounds {
  std::vector<float> lower, upper;  // per channel: lower[c] ≤ x[n, c, h, w] ≤ upper[c]; both empty: none

  bool none() const { return lower.empty() && upper.empty(); }
};

// The bounds on a device, ready to project onto.
class BoxProjection {
 public:
  // Throws an nst::Error unless there is at least one channel, both lists have one value per channel,
  // and every lower[c] ≤ upper[c] is finite.
  BoxProjection(const ChannelBounds& bounds, Device device);

  // x (N, C, H, W; C the bounds' channels) onto the box, in place; with `step`, what was cut is taken
  // from it too (an L-BFGS step s stays x_new − x_old).
  void project(Tensor& x, Tensor* step = nullptr) const;
  // v ← 0 where a bound binds at x for the gradient g (ops::zero_where_bounds_bind).
  void zero_where_bounds_bind(const Tensor& x, const Tensor& gradient, Tensor& v) const;

 private:
  void check_image(const Tensor& x) const;  // (N, C, H, W) with C the bounds' channels

  Tensor lower_, upper_;
};

}  // namespace nst
