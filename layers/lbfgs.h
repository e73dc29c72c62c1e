#pragma once
// L-BFGS without a line search, as torch.optim.LBFGS with line_search_fn=None (what neural-style
// uses). The direction comes from the two-loop recursion (Nocedal & Wright, Numerical
// Optimization, 2nd ed., Algorithm 7.4) over the last m curvature pairs
//   s_k = x_{k+1} − x_k,  y_k = ∇f_{k+1} − ∇f_k,
// with the initial inverse Hessian H0 = γ·I, γ = s·y / y·y of the newest pair (eq. 7.20).
// Step length: t = min(1, 1/‖g‖₁)·lr at the first step, t = lr after. There is no stopping rule:
// the caller decides how many steps to take.
//
// Every vector and every scalar of the recursion stays on x's device: dot products land in
// one-element tensors and the vector updates read them there (ops::axpy_ratio, ops::scale_ratio).
// The host reads one scalar per step, y·s, to decide whether to keep the new pair (and ‖g‖₁ once,
// at the first step).
// Memory, all allocated at the first step: 2(m + 1) + 2 vectors the size of x (m = 100 on a
// 3×512×512 image: 204 × 3.1 MB ≈ 640 MB).
#include <cstdint>
#include <string>
#include <vector>

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

  void step(Tensor& x, const Tensor& gradient) override;
  std::string name() const override { return "lbfgs"; }

  // Pairs held now (at most history_size): for tests and progress lines.
  int stored_pairs() const { return pair_count_; }

 private:
  void allocate_like(const Tensor& x);
  void remember_curvature_pair(const Tensor& gradient);
  void two_loop_direction(const Tensor& gradient);
  int slot(int age) const;  // ring slot of the pair `age` steps older than the newest (0 = newest)

  LbfgsOptions options_;
  std::int64_t steps_taken_ = 0;
  float last_step_length_ = 0.0f;  // t of the previous step: s = t·d

  Tensor direction_;          // d: x_{k+1} = x_k + t·d
  Tensor previous_gradient_;  // ∇f at the previous x
  Tensor gradient_l1_;        // ‖g‖₁, first step only

  // Ring of history_size + 1 slots: up to history_size pairs in use, and one free slot where the
  // next candidate pair is formed, so a rejected candidate never overwrites a pair in use.
  std::vector<Tensor> s_;     // s_i
  std::vector<Tensor> y_;     // y_i
  std::vector<Tensor> ys_;    // y_i·s_i, computed once per pair (one-element tensors)
  std::vector<Tensor> alpha_numerator_;  // s_i·q of the first loop: α_i = s_i·q / y_i·s_i
  Tensor beta_numerator_;     // y_i·r of the second loop: β_i = y_i·r / y_i·s_i
  Tensor newest_yy_;          // y·y of the newest pair: γ = ys_newest / newest_yy
  int newest_slot_ = -1;
  int pair_count_ = 0;
};

}  // namespace nst
