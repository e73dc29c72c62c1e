#include "engine/ops/box_projection.h"

#include "engine/ops/dispatch.h"
#include "kernels/box_projection.h"

namespace nst::ops {

void project_onto_box(Tensor& x, const Tensor& lower, const Tensor& upper, Tensor* step) {
  const Device device = common_device("project_onto_box", {&x, &lower, &upper});
  check_rank("project_onto_box", "x", x, 4);
  const std::int64_t channels = x.dim(1);
  check_shape("project_onto_box", "lower", lower, {channels});
  check_shape("project_onto_box", "upper", upper, {channels});
  if (step) {
    common_device("project_onto_box", {&x, step});
    check_shape("project_onto_box", "step", *step, x.shape());
  }
  BoxProjectionArgs args;
  args.batch_channels = x.dim(0) * channels;
  args.channels = channels;
  args.plane = x.dim(2) * x.dim(3);
  args.lower = lower.data();
  args.upper = upper.data();
  args.x = x.data();
  args.step = step ? step->data() : nullptr;
  dispatch(
      "project_onto_box", device, [&] { project_onto_box_cpu(args); },
      [&](Stream s) { project_onto_box_cuda(args, s); });
}

void zero_where_bounds_bind(const Tensor& x, const Tensor& gradient, const Tensor& lower, const Tensor& upper,
                            Tensor& v) {
  const Device device = common_device("zero_where_bounds_bind", {&x, &gradient, &lower, &upper, &v});
  check_rank("zero_where_bounds_bind", "x", x, 4);
  const std::int64_t channels = x.dim(1);
  check_shape("zero_where_bounds_bind", "lower", lower, {channels});
  check_shape("zero_where_bounds_bind", "upper", upper, {channels});
  check_shape("zero_where_bounds_bind", "gradient", gradient, x.shape());
  check_shape("zero_where_bounds_bind", "v", v, x.shape());
  BoundActiveSetArgs args;
  args.batch_channels = x.dim(0) * channels;
  args.channels = channels;
  args.plane = x.dim(2) * x.dim(3);
  args.lower = lower.data();
  args.upper = upper.data();
  args.x = x.data();
  args.gradient = gradient.data();
  args.v = v.data();
  dispatch(
      "zero_where_bounds_bind", device, [&] { zero_where_bounds_bind_cpu(args); },
      [&](Stream s) { zero_where_bounds_bind_cuda(args, s); });
}

}  // namespace nst::ops
