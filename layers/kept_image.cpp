#include "layers/kept_image.h"

#include <cmath>

#include "engine/error.h"
#include "engine/ops/best_iterate.h"
#include "engine/ops/vector_ops.h"

namespace nst {

KeepImage parse_keep_image(const std::string& name) {
  if (name == "last") return KeepImage::last;
  if (name == "best") return KeepImage::best;
  if (name == "ema") return KeepImage::average;
  NST_FAIL("keep: '" << name << "' is none of last, best, ema");
}

std::string to_string(KeepImage keep) {
  switch (keep) {
    case KeepImage::last:
      return "last";
    case KeepImage::best:
      return "best";
    case KeepImage::average:
      return "ema";
  }
  return "?";
}

KeptImage::KeptImage(KeepImage keep, const Tensor& initial) : keep_(keep) {
  if (keep_ == KeepImage::best) {
    best_image_ = initial.clone();
    best_state_ = Tensor::from_host({3}, {INFINITY, 0.0f, 0.0f}, initial.device());
  }
  if (keep_ == KeepImage::average) {
    average_ = Tensor::zeros(initial.shape(), initial.device());
    iterated(initial);  // a_0 from x_0
  }
}

void KeptImage::evaluated(const Tensor& loss, const Tensor& x) {
  if (keep_ == KeepImage::best) ops::keep_if_lower(loss, x, best_image_, best_state_);
  ++evaluations_;
}

void KeptImage::iterated(const Tensor& x) {
  if (keep_ != KeepImage::average) return;
  ops::scale(average_, kIterateAverageDecay);
  ops::axpy(1.0f - kIterateAverageDecay, x, average_);
  decay_power_ *= kIterateAverageDecay;
}

void KeptImage::replayed_iteration() {
  ++evaluations_;
  if (keep_ == KeepImage::average) decay_power_ *= kIterateAverageDecay;
}

std::int64_t KeptImage::best_evaluation() const {
  NST_CHECK(keep_ == KeepImage::best, "keep " << to_string(keep_) << " keeps no best evaluation");
  return static_cast<std::int64_t>(best_state_.to_host()[1]);
}

void KeptImage::copy_to(Tensor& out) const {
  if (keep_ == KeepImage::best) out.copy_from(best_image_);
  if (keep_ == KeepImage::average) {
    out.copy_from(average_);
    ops::scale(out, static_cast<float>(1.0 / (1.0 - decay_power_)));  // bias correction
  }
}

OptimizerState KeptImage::export_state() const {
  OptimizerState state;
  state.optimizer = "keep " + to_string(keep_);
  state.scalars["evaluations"] = static_cast<double>(evaluations_);
  if (keep_ == KeepImage::best) {
    state.tensors["image"] = best_image_.to(Device::cpu);
    state.tensors["best"] = best_state_.to(Device::cpu);
  }
  if (keep_ == KeepImage::average) {
    state.tensors["average"] = average_.to(Device::cpu);
    state.scalars["decay_power"] = decay_power_;
  }
  return state;
}

void KeptImage::import_state(const OptimizerState& state) {
  NST_CHECK(state.optimizer == "keep " + to_string(keep_),
            "kept image state of '" << state.optimizer << "', this run has --keep " << to_string(keep_));
  const std::int64_t evaluations = state.integer("evaluations", 0, std::int64_t{1} << 53);
  if (keep_ == KeepImage::best) {
    const Tensor& image = state.tensor("image", best_image_.shape());
    const Tensor& best = state.tensor("best", best_state_.shape());
    best_image_.copy_from(image);
    best_state_.copy_from(best);
  }
  if (keep_ == KeepImage::average) {
    const Tensor& average = state.tensor("average", average_.shape());
    const double decay_power = state.scalar("decay_power");
    NST_CHECK(decay_power >= 0 && decay_power < 1,
              state.optimizer << " state: scalar 'decay_power' is " << decay_power << ", expected one in [0, 1)");
    average_.copy_from(average);
    decay_power_ = decay_power;
  }
  evaluations_ = evaluations;
}

}  // namespace nst
