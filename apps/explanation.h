#pragma once
// J at one image, term by term (nst explain): each term's raw value, weight, weighted value and
// the norm of its weighted gradient, and J with its gradient.
#include <vector>

#include "apps/objective_terms.h"
#include "engine/tensor.h"
#include "layers/style_objective.h"

namespace nst {

struct TermReport {
  TermId term;
  float raw = 0;            // J_content^c, J_style^l or TV
  float weight = 0;         // α_c, β_l or γ
  float weighted = 0;       // weight·raw: the term as it enters J
  float gradient_norm = 0;  // ‖∇_x(weight·raw)‖₂
};

struct Explanation {
  std::vector<TermReport> terms;
  float total = 0;          // J, as the objective sums it
  float gradient_norm = 0;  // ‖∇_x J‖₂
  Tensor gradient;          // ∇_x J, x's shape and device
};

// Evaluates J once per term (that term's weight alone) and once whole. Afterwards the objective
// and its network hold the whole evaluation at x (activations, Grams, losses) with its own weights.
Explanation explain_objective(StyleObjective& objective, const Tensor& x);

}  // namespace nst
