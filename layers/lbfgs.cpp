#include "layers/lbfgs.h"

#include <cfloat>

#include "engine/error.h"
#include "engine/ops/vector_ops.h"

namespace nst {

Lbfgs::Lbfgs(LbfgsOptions options) : options_(options) {
  NST_CHECK(options_.history_size >= 1, "lbfgs: history size must be at least 1, got " << options_.history_size);
  NST_CHECK(options_.learning_rate > 0.0f, "lbfgs: learning rate must be positive, got " << options_.learning_rate);
}

std::size_t Lbfgs::state_bytes(std::int64_t numel, const LbfgsOptions& options, Device device) {
  const std::size_t vector = tensor_bytes({numel}, device), scalar = tensor_bytes({1}, device);
  const auto m = static_cast<std::size_t>(options.history_size);
  return 4 * vector + 6 * scalar                                              // d, s, y, ∇f_old; t, ys, yy
         + ops::LbfgsRingTensors::bytes(options.history_size, numel, device)  // the m pairs
         + 2 * m * scalar;                                                    // α and β numerators by age
}

void Lbfgs::allocate_like(const Tensor& x) {
  const Device device = x.device();
  direction_ = Tensor(x.shape(), device);
  step_ = Tensor(x.shape(), device);
  step_difference_ = Tensor(x.shape(), device);
  previous_gradient_ = Tensor(x.shape(), device);
  step_length_numerator_ = Tensor::filled({1}, options_.learning_rate, device);
  step_length_denominator_ = Tensor({1}, device);
  offered_ys_ = Tensor({1}, device);
  offered_yy_ = Tensor({1}, device);
  newest_ys_ = Tensor::filled({1}, 1.0f, device);
  newest_yy_ = Tensor::filled({1}, 1.0f, device);
  ring_ = ops::LbfgsRingTensors(options_.history_size, x.numel(), device);
  for (int age = 0; age < options_.history_size; ++age) {
    alpha_numerator_.emplace_back(Shape{1}, device);
    beta_numerator_.emplace_back(Shape{1}, device);
  }
}

// The pair of the step just taken, offered to the ring, which keeps it only if its curvature y·s
// is positive (Nocedal & Wright eq. 6.7: otherwise the update would not stay positive definite).
void Lbfgs::offer_curvature_pair(const Tensor& gradient) {
  step_difference_.copy_from(gradient);
  ops::axpy(-1.0f, previous_gradient_, step_difference_);  // y = ∇f_new − ∇f_old
  ops::dot(step_difference_, step_, offered_ys_);
  ops::dot(step_difference_, step_difference_, offered_yy_);
  ops::lbfgs_keep_pair_if_curved(step_, step_difference_, offered_ys_, offered_yy_, ring_, newest_ys_, newest_yy_);
}

// d = −H·g by the two-loop recursion (Nocedal & Wright Algorithm 7.4), started from q = −g as
// torch does, so the result is the direction itself. All scalars are device tensors:
//   first loop, newest to oldest:  α_i = s_i·q / y_i·s_i;  q −= α_i·y_i
//   r = γ·q with γ = s·y / y·y of the newest pair (eq. 7.20); γ = 1/1 while no pair is kept
//   second loop, oldest to newest: β_i = y_i·r / y_i·s_i;  r += (α_i − β_i)·s_i
// Ages beyond the pairs the ring really holds are skipped on the device. Each update is fused with
// the next age's dot (ops::lbfgs_ring_axpy_dot): one pass over q per age instead of two.
void Lbfgs::two_loop_direction(const Tensor& gradient) {
  const int m = options_.history_size;
  using ops::RingRows;
  Tensor& q = direction_;
  q.copy_from(gradient);
  ops::scale(q, -1.0f);
  ops::lbfgs_ring_dot(ring_, RingRows::s, 0, q, alpha_numerator_[0]);
  for (int age = 0; age < m; ++age) {
    const ops::RingAxpy update{RingRows::y, age, -1.0f, alpha_numerator_[age]};
    if (age + 1 < m)
      ops::lbfgs_ring_axpy_dot(ring_, update, RingRows::s, age + 1, q, alpha_numerator_[age + 1]);
    else
      ops::lbfgs_ring_axpy(ring_, update, q);
  }
  Tensor& r = direction_;
  ops::scale_ratio(newest_ys_, newest_yy_, r);
  ops::lbfgs_ring_dot(ring_, RingRows::y, m - 1, r, beta_numerator_[m - 1]);
  for (int age = m - 1; age >= 0; --age) {
    const ops::RingAxpy update{RingRows::s, age, +1.0f, alpha_numerator_[age], &beta_numerator_[age]};
    if (age > 0)
      ops::lbfgs_ring_axpy_dot(ring_, update, RingRows::y, age - 1, r, beta_numerator_[age - 1]);
    else
      ops::lbfgs_ring_axpy(ring_, update, r);
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

  if (steps_taken_ > 0) offer_curvature_pair(gradient);
  two_loop_direction(gradient);

  // t = lr / max(1, ‖g‖₁) at the first step: it has no curvature to scale it, so torch caps its
  // length per unit of gradient. t = lr / 1 after.
  if (steps_taken_ == 0) {
    ops::asum(gradient, step_length_denominator_);
    ops::clamp(step_length_denominator_, 1.0f, FLT_MAX);
  } else if (steps_taken_ == 1) {
    ops::fill(step_length_denominator_, 1.0f);
  }
  step_.copy_from(direction_);
  ops::scale_ratio(step_length_numerator_, step_length_denominator_, step_);  // s = t·d
  previous_gradient_.copy_from(gradient);
  ops::axpy(1.0f, step_, x);  // x += s
  ++steps_taken_;
}

}  // namespace nst
