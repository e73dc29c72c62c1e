#pragma once
// J's analytic gradient against central finite differences through the real network (nst gradcheck).
//
// At N pixels k drawn at random, for each term t of J (objective_terms order) and for J itself:
//   numeric_tk  = (J_t(x + h·e_k) − J_t(x − h·e_k)) / 2h      (network and sums in double: DoubleObjective)
//   analytic_tk = ∂J_t/∂x_k from evaluate() with t's weight alone (J: all weights), on the objective's
//                 device in float32: the gradient under test
//   error_tk    = |analytic − numeric| / max(|analytic|, |numeric|, floor_t),
//   floor_t     = 1e-2 · max(max_k |analytic_tk| over the image, max_k |numeric_tk| over the pixels,
//                          1e-6 · max_k |analytic_k of J| over the image)
// (the floor keeps pixels where a term's gradient nearly vanishes from dividing by almost 0; its
// last part, a term whose gradient is 0 everywhere — the content term at x = content).
//
// J is not differentiable everywhere: where a ReLU input or a max-pool choice changes within ±h of
// x, the central difference averages two slopes and the analytic gradient takes one. A pixel that
// fails the bound is skipped and counted as such a kink when its one-sided differences
// (J(x + h·e_k) − J(x))/h and (J(x) − J(x − h·e_k))/h differ by more than the bound and the
// analytic value lies between them; more than a quarter of the pixels as kinks fails the check.
#include <functional>
#include <string>
#include <vector>

#include "apps/double_objective.h"
#include "apps/objective_terms.h"
#include "engine/tensor.h"
#include "layers/style_objective.h"

namespace nst {

struct GradientCheckOptions {
  int pixels = 16;
  double step = 1e-3;  // h, in VGG input units (pixel values span 0–255)
  double bound = 1e-3;
  unsigned seed = 0;  // which pixels
};

struct TermCheck {
  std::string name;  // "style relu2_1", "total"
  int compared = 0;  // pixels compared
  int kinks = 0;     // pixels skipped: a kink of J_t within h of x explains the difference
  double max_error = 0, mean_error = 0;
  double worst_analytic = 0, worst_numeric = 0;  // at the pixel of max_error
  bool passed = false;  // max_error within the bound, and at most a quarter of the pixels kinks
};

struct GradientCheckReport {
  std::vector<TermCheck> terms;  // the terms of J, then "total"
  bool passed = false;           // every row within the bound
};

// The analytic gradient: `objective.evaluate(x, gradient)` with the weights the objective holds.
// Tests pass a wrong one to see the check fail.
using AnalyticGradient = std::function<void(StyleObjective& objective, const Tensor& x, Tensor& gradient)>;
void evaluate_gradient(StyleObjective& objective, const Tensor& x, Tensor& gradient);

// `reference`: the same J in double, built from the same weights and images as `objective`.
GradientCheckReport check_gradient(StyleObjective& objective, const DoubleObjective& reference, const Tensor& x,
                                   const GradientCheckOptions& options,
                                   const AnalyticGradient& analytic = evaluate_gradient);

}  // namespace nst
