#include "layers/projected_path.h"

#include "engine/ops/vector_ops.h"

namespace nst {

// Both masks are BoxProjection::zero_where_bounds_bind with −d in place of the gradient: it holds
// the values on or beyond a bound that −(−d) = d points further out of.
void ProjectedPath::start(const BoxProjection& box, const Tensor& x0, Tensor& direction) {
  if (negative_direction_.shape() != direction.shape() || negative_direction_.device() != direction.device()) {
    negative_direction_ = Tensor(direction.shape(), direction.device());
    free_direction_ = Tensor(direction.shape(), direction.device());
  }
  negative_direction_.copy_from(direction);
  ops::scale(negative_direction_, -1.0f);
  box.zero_where_bounds_bind(x0, negative_direction_, direction);
}

const Tensor& ProjectedPath::onto_path(const BoxProjection& box, Tensor& x, const Tensor& direction) {
  free_direction_.copy_from(direction);
  box.zero_where_bounds_bind(x, negative_direction_, free_direction_);  // x beyond a bound, d pointing further
  box.project(x);
  return free_direction_;
}

}  // namespace nst
