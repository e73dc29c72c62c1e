#pragma once
// L-BFGS as torch.optim.LBFGS: without a line search (line_search_fn=None, what neural-style uses)
// or with its strong-Wolfe line search (line_search_fn="strong_wolfe"). The direction comes from
// the two-loop recursion (Nocedal & Wright, Numerical Optimization, 2nd ed., Algorithm 7.4) over
// the last m curvature pairs
//   s_k = x_{k+1} − x_k,  y_k = ∇f_{k+1} − ∇f_k,
// kept only when y·s > 1e-10, with the initial inverse Hessian H0 = γ·I, γ = s·y / y·y of the
// newest pair (eq. 7.20). Step length: t = lr / max(1, ‖g‖₁) at the first step (torch's
// min(1, 1/‖g‖₁)·lr; or H0 = γ0·I and t = lr when LbfgsOptions::initial_inverse_hessian gives γ0), t = lr after; with
// the line search that is the first trial, and the step taken is the t the search accepts (kernels/strong_wolfe.h:
// sufficient decrease and strong curvature, c1 = 1e-4, c2 = 0.9, at most 26 evaluations). There is no stopping rule:
// the caller decides how many iterations to take.
//
// The line search decides on the device too, but the host must know whether to evaluate again:
// after each trial it reads one float, the search's status (a synchronisation on CUDA). So its
// iterations are not stationary and are never recorded as a CUDA graph (each trial — x0 + t·d,
// the objective, a dot and the search's step — is the same work and could be, between reads).
//
// Nothing goes to the host: every vector and scalar of the recursion stays on x's device, and so
// does the bookkeeping of which pairs were kept (ops::LbfgsRingTensors). The host loops over all m
// ages at every step; the device skips the ages that hold no pair. So every step after the second
// enqueues the same work, and a CUDA graph can replay it.
// Memory, all allocated at the first step: 2m + 4 vectors the size of x (m = 100 on a 3×512×512
// image: 204 × 3.1 MB ≈ 640 MB) and 3m + 8 scalars, one more vector (x0) and 23 more scalars with the
// line search, one more vector (g̃; three with the line search) and 2 per-channel bounds with bounds:
// state_bytes().
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/ops/lbfgs_ring.h"
#include "engine/tensor.h"
#include "layers/channel_bounds.h"
#include "layers/optimizer.h"
#include "layers/projected_path.h"

namespace nst {

enum class LbfgsLineSearch { none, strong_wolfe };

LbfgsLineSearch parse_lbfgs_line_search(const std::string& name);  // "none", "strong-wolfe"

struct LbfgsOptions {
  int history_size = 100;      // m: curvature pairs kept
  float learning_rate = 1.0f;  // lr: the step length after the first step (the first trial's, with a line search)
  LbfgsLineSearch line_search = LbfgsLineSearch::none;
  // γ0 > 0: H0 = γ0·I until the first pair is kept, and the first step's length is lr, not
  // lr / max(1, ‖g‖₁) — a curvature known from elsewhere (the coarser scale's, layers/scales.h
  // carried_inverse_hessian) instead of torch's guard, which moves x by one unit in all (‖s‖₁ = lr):
  // on a large image, nothing. 0: torch's first step.
  float initial_inverse_hessian = 0.0f;
  // Keep x in this box (projected L-BFGS with an active set, layers/channel_bounds.h): the values
  // held at a bound that −∇f pushes against are left out of the direction (the two-loop recursion
  // runs on the gradient with zeros there, and the direction is zeroed there), x + s is projected
  // onto the box and s becomes the step really taken, x_new − x_old (the curvature pairs stay
  // secants of the points evaluated). The line search runs along the projected path P(x + t·d).
  ChannelBounds bounds = {};  // none by default
};

class Lbfgs : public Optimizer {
 public:
  explicit Lbfgs(LbfgsOptions options = {});

  // The bytes of state the optimizer allocates for an image of `numel` values on `device`, as that
  // device's allocator counts them (what allocate_like allocates; memory estimates add it up).
  static std::size_t state_bytes(std::int64_t numel, const LbfgsOptions& options, Device device);

  // One step of length lr (no line search; with one, use iterate()).
  void step(Tensor& x, const Tensor& gradient) override;
  // With bounds, x is projected onto them before the first evaluation. Without a line search:
  // evaluate at x, then step(). With one: the direction from the gradient
  // at x, then trials along it until the search accepts a step. On every call after the first,
  // `gradient` and objective.value() must be those this call left at x (the loop leaves them).
  void iterate(Objective& objective, Tensor& x, Tensor& gradient) override;
  bool ends_evaluated_at_x() const override { return options_.line_search != LbfgsLineSearch::none; }
  std::string name() const override { return "lbfgs"; }
  // From the third step on: the first two set the step length, every later one does the same.
  // Never with the line search: the host reads its status after each trial.
  bool next_step_is_stationary() const override {
    return options_.line_search == LbfgsLineSearch::none && steps_taken_ >= 2;
  }
  // Objective evaluations in the last iterate() call.
  int last_evaluations() const { return last_evaluations_; }
  // layers/lbfgs_state.cpp. The steps after the second depend on the count only through "two or
  // more", which a CUDA graph's replays (that leave the host counter behind) keep true: the count
  // exported may be below the steps really taken, and below the pairs kept.
  OptimizerState export_state() const override;
  void import_state(const OptimizerState& state, const Tensor& x) override;

  // γ = y·s / y·y of the newest pair kept (γ0, or 1, before any): the scale of H0 the next
  // direction uses. Reads the device.
  float inverse_hessian_scale() const;
  // Pairs held now (at most history_size). Reads the device: for tests.
  int stored_pairs() const { return steps_taken_ == 0 ? 0 : ring_.pairs_kept(); }

 private:
  void check_iterate(const Tensor& x, const Tensor& gradient) const;
  void allocate_like(const Tensor& x);
  void offer_curvature_pair(const Tensor& gradient);
  void two_loop_direction(const Tensor& gradient);
  void set_first_step_length(const Tensor& gradient);
  const Tensor& projected_gradient(const Tensor& x, const Tensor& gradient);  // g̃ into projected_gradient_
  void next_direction(const Tensor& x, const Tensor& gradient);

  int search_along_direction(Objective& objective, Tensor& x, Tensor& gradient);

  LbfgsOptions options_;
  std::int64_t steps_taken_ = 0;

  Tensor direction_;                                        // d: x_{k+1} = x_k + t·d
  Tensor step_;                                             // s = t·d of the last step, the next pair's s
  Tensor step_difference_;                                  // y = ∇f_new − ∇f_old, the next pair's y
  Tensor previous_gradient_;                                // ∇f at the previous x
  Tensor step_length_numerator_, step_length_denominator_;  // t = lr / max(1, ‖g‖₁), then lr / 1
  Tensor offered_ys_, offered_yy_;                          // y·s and y·y of the pair offered to the ring
  Tensor newest_ys_, newest_yy_;                            // of the newest pair kept: γ = ys / yy (1 / 1 before any)
  std::optional<BoxProjection> box_;                        // options_.bounds on x's device
  Tensor projected_gradient_;                               // g̃: ∇f with zeros where a bound binds

  int last_evaluations_ = 0;
  bool evaluated_at_x_ = false;  // line search: gradient and objective value are those at x (after a search)

  // The line search's (kernels/strong_wolfe.h), allocated at the first step when it is on.
  Tensor search_start_;            // x0: the iterate the search starts from
  Tensor value_at_x_;              // f(x0), copied from the objective when the last search ended
  Tensor derivative_at_start_;     // φ'(0) = ∇f(x0)·d
  Tensor derivative_at_trial_;     // φ'(t) = ∇f(x0 + t·d)·d
  Tensor direction_norm_squared_;  // ‖d‖₂²
  Tensor search_state_, search_status_;
  ProjectedPath path_;  // with bounds: the search's path P(x0 + t·d)

  ops::LbfgsRingTensors ring_;
  std::vector<Tensor> alpha_numerator_;  // by age: s_i·q of the first loop, α_i = s_i·q / y_i·s_i
  std::vector<Tensor> beta_numerator_;   // by age: y_i·r of the second loop, β_i = y_i·r / y_i·s_i
};

}  // namespace nst
