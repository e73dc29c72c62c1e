#include "layers/lbfgs.h"

#include <algorithm>

#include "engine/error.h"
#include "engine/ops/vector_ops.h"

namespace nst {

Lbfgs::Lbfgs(LbfgsOptions options) : options_(options) {
  NST_CHECK(options_.history_size >= 1, "lbfgs: history size must be at least 1, got " << options_.history_size);
  NST_CHECK(options_.learning_rate > 0.0f, "lbfgs: learning rate must be positive, got " << options_.learning_rate);
}

void Lbfgs::allocate_like(const Tensor& x) {
  const Device device = x.device();
  const auto capacity = static_cast<std::size_t>(options_.history_size) + 1;
  direction_ = Tensor(x.shape(), device);
  previous_gradient_ = Tensor(x.shape(), device);
  gradient_l1_ = Tensor({1}, device);
  beta_numerator_ = Tensor({1}, device);
  newest_yy_ = Tensor({1}, device);
  for (std::size_t i = 0; i < capacity; ++i) {
    s_.emplace_back(x.shape(), device);
    y_.emplace_back(x.shape(), device);
    ys_.emplace_back(Shape{1}, device);
    alpha_numerator_.emplace_back(Shape{1}, device);
  }
}

int Lbfgs::slot(int age) const {
  const int capacity = options_.history_size + 1;
  return (newest_slot_ - age + capacity) % capacity;
}

// Forms the pair of the step just taken in the free slot and keeps it only if its curvature y·s is
// positive (Nocedal & Wright eq. 6.7: otherwise the update would not stay positive definite).
void Lbfgs::remember_curvature_pair(const Tensor& gradient) {
  const auto c = static_cast<std::size_t>((newest_slot_ + 1) % (options_.history_size + 1));
  Tensor& y = y_[c];
  Tensor& s = s_[c];
  y.copy_from(gradient);
  ops::axpy(-1.0f, previous_gradient_, y);  // y = ∇f_new − ∇f_old
  s.copy_from(direction_);
  ops::scale(s, last_step_length_);  // s = t·d = x_new − x_old (as torch, without keeping x_old)
  ops::dot(y, s, ys_[c]);
  // The one host read of a step (it waits for the device): whether to keep the pair. Same
  // threshold as torch.optim.LBFGS.
  if (!(static_cast<double>(ys_[c].item()) > 1e-10)) return;
  newest_slot_ = static_cast<int>(c);
  pair_count_ = std::min(pair_count_ + 1, options_.history_size);
  ops::dot(y, y, newest_yy_);
}

// d = −H·g by the two-loop recursion (Nocedal & Wright Algorithm 7.4), started from q = −g as
// torch does, so the result is the direction itself. All scalars are device tensors:
//   first loop, newest to oldest:  α_i = s_i·q / y_i·s_i;  q −= α_i·y_i
//   r = γ·q with γ = s·y / y·y of the newest pair (eq. 7.20); γ = 1 while no pair is kept
//   second loop, oldest to newest: β_i = y_i·r / y_i·s_i;  r += (α_i − β_i)·s_i
void Lbfgs::two_loop_direction(const Tensor& gradient) {
  Tensor& q = direction_;
  q.copy_from(gradient);
  ops::scale(q, -1.0f);
  for (int age = 0; age < pair_count_; ++age) {
    const auto i = static_cast<std::size_t>(slot(age));
    ops::dot(s_[i], q, alpha_numerator_[i]);
    ops::axpy_ratio(-1.0f, alpha_numerator_[i], ys_[i], y_[i], q);
  }
  if (pair_count_ == 0) return;
  Tensor& r = direction_;
  ops::scale_ratio(ys_[static_cast<std::size_t>(newest_slot_)], newest_yy_, r);
  for (int age = pair_count_ - 1; age >= 0; --age) {
    const auto i = static_cast<std::size_t>(slot(age));
    ops::dot(y_[i], r, beta_numerator_);
    ops::axpy_ratio(+1.0f, alpha_numerator_[i], ys_[i], s_[i], r);
    ops::axpy_ratio(-1.0f, beta_numerator_, ys_[i], s_[i], r);
  }
}

void Lbfgs::step(Tensor& x, const Tensor& gradient) {
  NST_CHECK(gradient.shape() == x.shape() && gradient.device() == x.device(),
            "lbfgs: gradient " << to_string(gradient.shape()) << " on " << to_string(gradient.device())
                               << " does not match x " << to_string(x.shape()) << " on " << to_string(x.device()));
  if (steps_taken_ == 0) allocate_like(x);
  NST_CHECK(x.shape() == direction_.shape() && x.device() == direction_.device(),
            "lbfgs: x is " << to_string(x.shape()) << " on " << to_string(x.device()) << ", but the optimizer began on "
                           << to_string(direction_.shape()) << " on " << to_string(direction_.device()));

  if (steps_taken_ > 0) remember_curvature_pair(gradient);
  two_loop_direction(gradient);

  float t = options_.learning_rate;
  if (steps_taken_ == 0) {
    // The first step has no curvature to scale it: torch caps its length at lr/‖g‖₁ per unit of
    // gradient. ‖g‖₁ is read to the host, at this first step only.
    ops::asum(gradient, gradient_l1_);
    t = std::min(1.0f, 1.0f / gradient_l1_.item()) * options_.learning_rate;
  }
  previous_gradient_.copy_from(gradient);
  ops::axpy(t, direction_, x);  // x += t·d
  last_step_length_ = t;
  ++steps_taken_;
}

}  // namespace nst
