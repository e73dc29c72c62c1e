#pragma once
// The path a line search follows inside a box of bounds (docs/MATH.md §5.5): from x0 along d,
//   x(t) = P(x0 + t·d),   φ(t) = f(x(t)),   φ'(t) = ∇f(x(t))·d̃(t),
// d̃(t) being d with zeros where x0 + t·d lies beyond a bound (there x(t) stays on the bound, and
// moving t moves nothing). The path is piecewise linear, with a kink where a value reaches its bound.
#include "engine/tensor.h"
#include "layers/channel_bounds.h"

namespace nst {

class ProjectedPath {
 public:
  // Starts the path at x0 (inside the box): the values on a bound that d would leave at once are
  // held, d zeroed there in place, so that the path starts inside and φ'(0) = ∇f(x0)·d.
  void start(const BoxProjection& box, const Tensor& x0, Tensor& direction);
  // x = x0 + t·d (the caller's, as the line search forms it on the device) onto the path: x ← P(x)
  // in place. Returns d̃(t), so that φ'(t) = ∇f(x)·d̃(t). `direction` is start()'s.
  const Tensor& onto_path(const BoxProjection& box, Tensor& x, const Tensor& direction);

 private:
  Tensor negative_direction_;  // −d: the "gradient" whose descent leaves the box where d does
  Tensor free_direction_;      // d̃(t)
};

}  // namespace nst
