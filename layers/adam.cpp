#include "layers/adam.h"

#include "engine/error.h"
#include "engine/ops/adam.h"

namespace nst {

Adam::Adam(AdamOptions options) : options_(options) {
  NST_CHECK(options_.learning_rate > 0.0f, "adam: learning rate must be positive, got " << options_.learning_rate);
  NST_CHECK(options_.beta1 >= 0.0f && options_.beta1 < 1.0f, "adam: beta1 must be in [0, 1), got " << options_.beta1);
  NST_CHECK(options_.beta2 >= 0.0f && options_.beta2 < 1.0f, "adam: beta2 must be in [0, 1), got " << options_.beta2);
  NST_CHECK(options_.epsilon > 0.0f, "adam: epsilon must be positive, got " << options_.epsilon);
  if (!options_.bounds.none()) BoxProjection(options_.bounds, Device::cpu);  // checks them now, not at the first step
}

void Adam::iterate(Objective& objective, Tensor& x, Tensor& gradient) {
  // A starting image (a coarser scale's, resampled) may stray a little outside the bounds.
  if (steps_taken_ == 0 && !options_.bounds.none()) box(x).project(x);
  Optimizer::iterate(objective, x, gradient);
}

const BoxProjection& Adam::box(const Tensor& x) {
  if (!box_) box_.emplace(options_.bounds, x.device());
  return *box_;
}

std::size_t Adam::state_bytes(std::int64_t numel, const AdamOptions& options, Device device) {
  const std::size_t bounds =
      options.bounds.none() ? 0 : 2 * tensor_bytes({static_cast<std::int64_t>(options.bounds.lower.size())}, device);
  return 2 * tensor_bytes({numel}, device) + bounds;
}

void Adam::step(Tensor& x, const Tensor& gradient) {
  if (steps_taken_ == 0) {
    first_moment_ = Tensor::zeros(x.shape(), x.device());
    second_moment_ = Tensor::zeros(x.shape(), x.device());
  }
  NST_CHECK(x.shape() == first_moment_.shape() && x.device() == first_moment_.device(),
            "adam: x is " << to_string(x.shape()) << " on " << to_string(x.device()) << ", but the optimizer began on "
                          << to_string(first_moment_.shape()) << " on " << to_string(first_moment_.device()));
  ++steps_taken_;
  AdamParams params;
  params.learning_rate = options_.learning_rate;
  params.beta1 = options_.beta1;
  params.beta2 = options_.beta2;
  params.epsilon = options_.epsilon;
  params.step = steps_taken_;
  ops::adam_step(params, gradient, first_moment_, second_moment_, x);
  if (!options_.bounds.none()) box(x).project(x);  // projected gradient descent: x = P(x − step)
}

}  // namespace nst
