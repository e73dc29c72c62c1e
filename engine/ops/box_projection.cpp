#include "engine/ops/box_projection.h"

#include "engine/ops/dispatch.h"
#include "kernels/box_projection.h"

namespace nst::ops {

namespace {

// x (N, C, H, W) and its bounds, lower and upper of shape (C), all on one device; returns that device.
Device check_box(const char* op, const Tensor& x, const Tensor& lower, const Tensor& upper) {
  const Device device = common_device(op, {&x, &lower, &upper});
  check_rank(op, "x", x, 4);
  check_shape(op, "lower", lower, {x.dim(1)});
  check_shape(op, "upper", upper, {x.dim(1)});
  return device;
}

ChannelBox channel_box(const Tensor& x, const Tensor& lower, const Tensor& upper) {
  ChannelBox box;
  box.batch_channels = x.dim(0) * x.dim(1);
  box.channels = x.dim(1);
  box.plane = x.dim(2) * x.dim(3);
  box.lower = lower.data();
  box.upper = upper.data();
  return box;
}

}  // namespace

void project_onto_box(Tensor& x, const Tensor& lower, const Tensor& upper, Tensor* step) {
  const Device device = check_box("project_onto_box", x, lower, upper);
  if (step) {
    common_device("project_onto_box", {&x, step});
    check_shape("project_onto_box", "step", *step, x.shape());
  }
  const BoxProjectionArgs args{channel_box(x, lower, upper), x.data(), step ? step->data() : nullptr};
  dispatch(
      "project_onto_box", device, [&] { project_onto_box_cpu(args); },
      [&](Stream s) { project_onto_box_cuda(args, s); });
}

void zero_where_bounds_bind(const Tensor& x, const Tensor& gradient, const Tensor& lower, const Tensor& upper,
                            Tensor& v) {
  const Device device = check_box("zero_where_bounds_bind", x, lower, upper);
  common_device("zero_where_bounds_bind", {&x, &gradient, &v});
  check_shape("zero_where_bounds_bind", "gradient", gradient, x.shape());
  check_shape("zero_where_bounds_bind", "v", v, x.shape());
  const BoundActiveSetArgs args{channel_box(x, lower, upper), x.data(), gradient.data(), v.data()};
  dispatch(
      "zero_where_bounds_bind", device, [&] { zero_where_bounds_bind_cpu(args); },
      [&](Stream s) { zero_where_bounds_bind_cuda(args, s); });
}

}  // namespace nst::ops
