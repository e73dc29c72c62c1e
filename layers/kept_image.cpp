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
}

void KeptImage::iterated(const Tensor& x) {
  if (keep_ != KeepImage::average) return;
  ops::scale(average_, kIterateAverageDecay);
  ops::axpy(1.0f - kIterateAverageDecay, x, average_);
  decay_power_ *= kIterateAverageDecay;
}

std::int64_t KeptImage::best_evaluation() const {
  NST_CHECK(keep_ == KeepImage::best, "keep " << to_string(keep_) << " keeps no best evaluation");
  return static_cast<std::int64_t>(best_state_.to_host()[1]);
}

std::int64_t KeptImage::evaluations() const {
  NST_CHECK(keep_ == KeepImage::best, "keep " << to_string(keep_) << " counts no evaluations");
  return static_cast<std::int64_t>(best_state_.to_host()[2]);
}

void KeptImage::copy_to(Tensor& out) const {
  if (keep_ == KeepImage::best) out.copy_from(best_image_);
  if (keep_ == KeepImage::average) {
    out.copy_from(average_);
    ops::scale(out, static_cast<float>(1.0 / (1.0 - decay_power_)));  // bias correction
  }
}

}  // namespace nst
