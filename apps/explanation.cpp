#include "apps/explanation.h"

#include <cmath>

#include "engine/ops/vector_ops.h"

namespace nst {

namespace {

// ‖g‖₂ = √(g·g)
float norm(const Tensor& g) { return std::sqrt(ops::dot(g, g).item()); }

}  // namespace

Explanation explain_objective(StyleObjective& objective, const Tensor& x) {
  const ObjectiveWeights weights = objective.weights();
  Explanation e;
  e.gradient = Tensor(x.shape(), x.device());
  for (const TermId& term : objective_terms(objective)) {
    objective.set_weights(weights_of_term_alone(weights, term));
    objective.evaluate(x, e.gradient);
    TermReport report{term, term_raw_loss(objective, term), term_weight(weights, term), 0, 0};
    report.weighted = report.weight * report.raw;
    report.gradient_norm = norm(e.gradient);
    e.terms.push_back(report);
  }
  objective.set_weights(weights);
  objective.evaluate(x, e.gradient);
  e.total = objective.read_losses().total;
  e.gradient_norm = norm(e.gradient);
  return e;
}

}  // namespace nst
