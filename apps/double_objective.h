#pragma once
// J recomputed in double on the host, term by term (nst gradcheck's finite differences): the
// network in double (apps/double_vgg.h), the targets P^c = F^c(content) and
// A^l = Σ_s w_s·G^l(style_s)·M_l/M_l^s from it, then every sum of docs/MATH.md §2 in double —
//   α_c·½Σ(F − P)²,  β_l·Σ(G − A)²/(2·C·M)² with G = F·Fᵀ,  γ·TV(x).
// Nothing in it is float32 but the weights and the input images, so a term whose gradient is 0
// (the content term at x = content) has a numeric gradient of 0 too, not float32 noise.
#include <vector>

#include "apps/double_vgg.h"
#include "layers/style_objective.h"

namespace nst {

class DoubleObjective {
 public:
  // The objective's taps and weights α_c, β_l, γ; the network's weights (host) and pooling; the
  // inputs of the targets: the content and style images (1, 3, H, W) and the blend weights.
  DoubleObjective(const StyleObjective& objective, const std::vector<ConvWeights>& weights, ops::PoolKind pooling,
                  const Tensor& content, const std::vector<Tensor>& styles, const std::vector<float>& style_blend);

  // The weighted terms at x (3, height, width), in objective_terms() order: α_c·J_c, β_l·J_l, γ·TV.
  std::vector<double> weighted_terms(const std::vector<double>& x, int height, int width) const;

 private:
  std::size_t content_count_;
  DoubleVgg19 net_;
  std::vector<std::vector<double>> content_targets_, style_targets_;  // P^c, A^l
  ObjectiveWeights weights_;
};

}  // namespace nst
