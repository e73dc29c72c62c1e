#include "layers/channel_bounds.h"

#include <cmath>

#include "engine/error.h"
#include "engine/ops/box_projection.h"

namespace nst {

BoxProjection::BoxProjection(const ChannelBounds& bounds, Device device) {
  const std::size_t channels = bounds.lower.size();
  NST_CHECK(channels > 0 && bounds.upper.size() == channels,
            "bounds: " << bounds.lower.size() << " lower and " << bounds.upper.size()
                       << " upper values, expected one of each per channel");
  for (std::size_t c = 0; c < channels; ++c)
    NST_CHECK(std::isfinite(bounds.lower[c]) && std::isfinite(bounds.upper[c]) && bounds.lower[c] <= bounds.upper[c],
              "bounds: channel " << c << " has [" << bounds.lower[c] << ", " << bounds.upper[c]
                                 << "], expected finite lower <= upper");
  const Shape shape{static_cast<std::int64_t>(channels)};
  lower_ = Tensor::from_host(shape, bounds.lower, device);
  upper_ = Tensor::from_host(shape, bounds.upper, device);
}

void BoxProjection::check_image(const Tensor& x) const {
  NST_CHECK(x.rank() == 4 && x.dim(1) == lower_.numel(),
            "bounds: image " << to_string(x.shape()) << ", expected (N, " << lower_.numel() << ", H, W)");
}

void BoxProjection::project(Tensor& x, Tensor* step) const {
  check_image(x);
  ops::project_onto_box(x, lower_, upper_, step);
}

void BoxProjection::zero_where_bounds_bind(const Tensor& x, const Tensor& gradient, Tensor& v) const {
  check_image(x);
  ops::zero_where_bounds_bind(x, gradient, lower_, upper_, v);
}

}  // namespace nst
