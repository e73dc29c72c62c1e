#pragma once
// L-BFGS without a line search, as torch.optim.LBFGS with line_search_fn=None (what neural-style
// uses). The direction comes from the two-loop recursion (Nocedal & Wright, Numerical
// Optimization, 2nd ed., Algorithm 7.4) over the last m curvature pairs
//   s_k = x_{k+1} − x_k,  y_k = ∇f_{k+1} − ∇f_k,
// kept only when y·s > 1e-10, with the initial inverse Hessian H0 = γ·I, γ = s·y / y·y of the
// newest pair (eq. 7.20). Step length: t = lr / max(1, ‖g‖₁) at the first step (torch's
// min(1, 1/‖g‖₁)·lr), t = lr after. There is no stopping rule: the caller decides how many steps
// to take.
//
// Nothing goes to the host: every vector and scalar of the recursion stays on x's device, and so
// does the bookkeeping of which pairs were kept (ops::LbfgsRingTensors). The host loops over all m
// ages at every step; the device skips the ages that hold no pair. So every step after the second
// enqueues the same work, and a CUDA graph can replay it.
// Memory, all allocated at the first step: 2m + 4 vectors the size of x (m = 100 on a 3×512×512
// image: 204 × 3.1 MB ≈ 640 MB) and 3m + 8 scalars: state_bytes().
#include <cstdint>
#include <string>
#include <vector>

#include "engine/ops/lbfgs_ring.h"
#include "engine/tensor.h"
#include "layers/optimizer.h"

namespace nst {

struct LbfgsOptions {
  int history_size = 100;      // m: curvature pairs kept
  float learning_rate = 1.0f;  // lr: the step length after the first step
};

class Lbfgs : public Optimizer {
 public:
  explicit Lbfgs(LbfgsOptions options = {});

  // The bytes of state the optimizer allocates for an image of `numel` values on `device`, as that
  // device's allocator counts them (what allocate_like allocates; memory estimates add it up).
  static std::size_t state_bytes(std::int64_t numel, const LbfgsOptions& options, Device device);

  void step(Tensor& x, const Tensor& gradient) override;
  std::string name() const override { return "lbfgs"; }
  // From the third step on: the first two set the step length, every later one does the same.
  bool next_step_is_stationary() const override { return steps_taken_ >= 2; }
  // layers/lbfgs_state.cpp. The steps after the second depend on the count only through "two or
  // more", which a CUDA graph's replays (that leave the host counter behind) keep true.
  OptimizerState export_state() const override;
  void import_state(const OptimizerState& state, const Tensor& x) override;

  // Pairs held now (at most history_size). Reads the device: for tests.
  int stored_pairs() const { return steps_taken_ == 0 ? 0 : ring_.pairs_kept(); }

 private:
  void allocate_like(const Tensor& x);
  void offer_curvature_pair(const Tensor& gradient);
  void two_loop_direction(const Tensor& gradient);

  LbfgsOptions options_;
  std::int64_t steps_taken_ = 0;

  Tensor direction_;          // d: x_{k+1} = x_k + t·d
  Tensor step_;               // s = t·d of the last step, the next pair's s
  Tensor step_difference_;    // y = ∇f_new − ∇f_old, the next pair's y
  Tensor previous_gradient_;  // ∇f at the previous x
  Tensor step_length_numerator_, step_length_denominator_;  // t = lr / max(1, ‖g‖₁), then lr / 1
  Tensor offered_ys_, offered_yy_;  // y·s and y·y of the pair offered to the ring
  Tensor newest_ys_, newest_yy_;    // of the newest pair kept: γ = ys / yy (1 / 1 before any)

  ops::LbfgsRingTensors ring_;
  std::vector<Tensor> alpha_numerator_;  // by age: s_i·q of the first loop, α_i = s_i·q / y_i·s_i
  std::vector<Tensor> beta_numerator_;   // by age: y_i·r of the second loop, β_i = y_i·r / y_i·s_i
};

}  // namespace nst
