#include "layers/lbfgs.h"

#include <cfloat>
#include <cmath>

#include "engine/error.h"
#include "engine/ops/strong_wolfe.h"
#include "engine/ops/vector_ops.h"

namespace nst {

LbfgsLineSearch parse_lbfgs_line_search(const std::string& name) {
  if (name == "none") return LbfgsLineSearch::none;
  if (name == "strong-wolfe") return LbfgsLineSearch::strong_wolfe;
  NST_FAIL("lbfgs line search: '" << name << "' is neither none nor strong-wolfe");
}

Lbfgs::Lbfgs(LbfgsOptions options) : options_(options) {
  NST_CHECK(options_.history_size >= 1, "lbfgs: history size must be at least 1, got " << options_.history_size);
  NST_CHECK(options_.learning_rate > 0.0f, "lbfgs: learning rate must be positive, got " << options_.learning_rate);
  NST_CHECK(options_.initial_inverse_hessian >= 0.0f && std::isfinite(options_.initial_inverse_hessian),
            "lbfgs: initial inverse Hessian must be finite and non-negative, got " << options_.initial_inverse_hessian);
  if (!options_.bounds.none()) BoxProjection(options_.bounds, Device::cpu);  // checks them now, not at the first step
}

float Lbfgs::inverse_hessian_scale() const {
  if (steps_taken_ == 0) return options_.initial_inverse_hessian > 0.0f ? options_.initial_inverse_hessian : 1.0f;
  return newest_ys_.item() / newest_yy_.item();
}

std::size_t Lbfgs::state_bytes(std::int64_t numel, const LbfgsOptions& options, Device device) {
  const std::size_t vector = tensor_bytes({numel}, device), scalar = tensor_bytes({1}, device);
  const auto m = static_cast<std::size_t>(options.history_size);
  const std::size_t line_search =
      options.line_search == LbfgsLineSearch::none
          ? 0
          : vector + 5 * scalar + tensor_bytes({kStrongWolfeStateSize}, device);  // x0; f, φ'(0), φ'(t), ‖d‖², status
  // With bounds: the projected gradient g̃ (and with the line search −d and d̃), the bounds' lower and
  // upper values.
  const std::size_t bounded_vectors = options.line_search == LbfgsLineSearch::none ? 1 : 3;
  const std::size_t bounds =
      options.bounds.none() ? 0
                            : bounded_vectors * vector +
                                  2 * tensor_bytes({static_cast<std::int64_t>(options.bounds.lower.size())}, device);
  return 4 * vector + 6 * scalar                                              // d, s, y, ∇f_old; t, ys, yy
         + ops::LbfgsRingTensors::bytes(options.history_size, numel, device)  // the m pairs
         + 2 * m * scalar                                                     // α and β numerators by age
         + line_search + bounds;
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
  newest_ys_ =
      Tensor::filled({1}, options_.initial_inverse_hessian > 0.0f ? options_.initial_inverse_hessian : 1.0f, device);
  newest_yy_ = Tensor::filled({1}, 1.0f, device);
  ring_ = ops::LbfgsRingTensors(options_.history_size, x.numel(), device);
  if (!options_.bounds.none()) {
    if (!box_) box_.emplace(options_.bounds, device);
    projected_gradient_ = Tensor(x.shape(), device);
  }
  for (int age = 0; age < options_.history_size; ++age) {
    alpha_numerator_.emplace_back(Shape{1}, device);
    beta_numerator_.emplace_back(Shape{1}, device);
  }
  if (options_.line_search == LbfgsLineSearch::strong_wolfe) {
    search_start_ = Tensor(x.shape(), device);
    value_at_x_ = Tensor({1}, device);
    derivative_at_start_ = Tensor({1}, device);
    derivative_at_trial_ = Tensor({1}, device);
    direction_norm_squared_ = Tensor({1}, device);
    search_state_ = Tensor({kStrongWolfeStateSize}, device);
    search_status_ = Tensor({1}, device);
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

void Lbfgs::check_iterate(const Tensor& x, const Tensor& gradient) const {
  NST_CHECK(gradient.shape() == x.shape() && gradient.device() == x.device(),
            "lbfgs: gradient " << to_string(gradient.shape()) << " on " << to_string(gradient.device())
                               << " does not match x " << to_string(x.shape()) << " on " << to_string(x.device()));
  if (steps_taken_ == 0) return;
  NST_CHECK(x.shape() == direction_.shape() && x.device() == direction_.device(),
            "lbfgs: x is " << to_string(x.shape()) << " on " << to_string(x.device()) << ", but the optimizer began on "
                           << to_string(direction_.shape()) << " on " << to_string(direction_.device()));
}

// t = lr / max(1, ‖g‖₁) at the first step: it has no curvature to scale it, so torch caps its
// length per unit of gradient. t = lr / 1 after, and at the first step when γ0 scales H0.
void Lbfgs::set_first_step_length(const Tensor& gradient) {
  if (steps_taken_ == 0 && options_.initial_inverse_hessian > 0.0f) {
    ops::fill(step_length_denominator_, 1.0f);
  } else if (steps_taken_ == 0) {
    ops::asum(gradient, step_length_denominator_);
    ops::clamp(step_length_denominator_, 1.0f, FLT_MAX);
  } else if (steps_taken_ == 1) {
    ops::fill(step_length_denominator_, 1.0f);
  }
}

const Tensor& Lbfgs::projected_gradient(const Tensor& x, const Tensor& gradient) {
  projected_gradient_.copy_from(gradient);
  box_->zero_where_bounds_bind(x, gradient, projected_gradient_);
  return projected_gradient_;
}

void Lbfgs::step(Tensor& x, const Tensor& gradient) {
  NST_CHECK(options_.line_search == LbfgsLineSearch::none,
            "lbfgs: with a line search the optimizer evaluates the objective itself: call iterate()");
  check_iterate(x, gradient);
  if (steps_taken_ == 0) allocate_like(x);

  next_direction(x, gradient);
  step_.copy_from(direction_);
  ops::scale_ratio(step_length_numerator_, step_length_denominator_, step_);  // s = t·d
  previous_gradient_.copy_from(gradient);
  ops::axpy(1.0f, step_, x);           // x += s
  if (box_) box_->project(x, &step_);  // x = P(x_old + s), s = x − x_old (layers/channel_bounds.h)
  ++steps_taken_;
}

// The pair of the last step offered, then d and the first trial's t. With bounds, the direction
// moves only the free values (layers/channel_bounds.h): it comes from the projected gradient g̃
// (zero where a bound binds) and is zeroed there too. The pairs keep y = g_new − g_old of the whole
// gradients, as L-BFGS-B's do.
void Lbfgs::next_direction(const Tensor& x, const Tensor& gradient) {
  if (steps_taken_ > 0) offer_curvature_pair(gradient);
  const Tensor& g = box_ ? projected_gradient(x, gradient) : gradient;
  two_loop_direction(g);
  if (box_) box_->zero_where_bounds_bind(x, gradient, direction_);
  set_first_step_length(g);
}

void Lbfgs::iterate(Objective& objective, Tensor& x, Tensor& gradient) {
  if (steps_taken_ == 0 &&
      !options_.bounds.none()) {  // a starting image (a coarser scale's, resampled) may stray a little
    if (!box_) box_.emplace(options_.bounds, x.device());
    box_->project(x);
  }
  if (options_.line_search == LbfgsLineSearch::none) {
    Optimizer::iterate(objective, x, gradient);
    last_evaluations_ = 1;
    return;
  }
  check_iterate(x, gradient);
  int evaluations = 0;
  if (steps_taken_ == 0) allocate_like(x);
  if (!evaluated_at_x_) {  // the first call, or the first after import_state; later ones start where the search ended
    objective.evaluate(x, gradient);
    value_at_x_.copy_from(objective.value());
    ++evaluations;
  }
  next_direction(x, gradient);
  evaluations += search_along_direction(objective, x, gradient);
  last_evaluations_ = evaluations;
  ++steps_taken_;
}

// The strong-Wolfe search along d from x (kernels/strong_wolfe.h): every decision in the search's
// state on the device; the host reads its status after each trial, to know whether to evaluate
// again. Leaves x = x0 + t·d (with bounds P(x0 + t·d)) for the accepted t, with gradient and objective.value() there,
// and the step s = x − x0 for the next curvature pair. Returns the evaluations made.
int Lbfgs::search_along_direction(Objective& objective, Tensor& x, Tensor& gradient) {
  search_start_.copy_from(x);
  previous_gradient_.copy_from(gradient);
  if (box_) path_.start(*box_, x, direction_);  // with bounds, along P(x0 + t·d) (layers/projected_path.h)
  ops::dot(gradient, direction_, derivative_at_start_);
  ops::dot(direction_, direction_, direction_norm_squared_);
  ops::strong_wolfe_begin(value_at_x_, derivative_at_start_, direction_norm_squared_, step_length_numerator_,
                          step_length_denominator_, search_state_, search_status_);
  int evaluations = 0;
  for (StrongWolfeStatus status = ops::read_strong_wolfe_status(search_status_);
       status == kSwEvaluate || status == kSwAcceptedOther; status = ops::read_strong_wolfe_status(search_status_)) {
    NST_CHECK(evaluations <= kStrongWolfeMaxTrials + 1,
              "lbfgs: the line search did not end after " << evaluations << " evaluations");
    ops::strong_wolfe_point(search_start_, search_state_, direction_, x);  // x = x0 + t·d
    const Tensor& path_direction = box_ ? path_.onto_path(*box_, x, direction_) : direction_;
    objective.evaluate(x, gradient);
    ++evaluations;
    if (status == kSwAcceptedOther) break;
    ops::dot(gradient, path_direction, derivative_at_trial_);
    ops::strong_wolfe_advance(objective.value(), derivative_at_trial_, search_state_, search_status_);
  }
  step_.copy_from(x);
  ops::axpy(-1.0f, search_start_, step_);  // s = x − x0
  value_at_x_.copy_from(objective.value());
  evaluated_at_x_ = true;
  return evaluations;
}

}  // namespace nst
