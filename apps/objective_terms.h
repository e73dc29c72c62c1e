#pragma once
// The terms of J one at a time (nst explain, nst gradcheck): each content layer, each style layer
// and TV, in that order, with their weights; J's gradient splits the same way, one term's part
// being what evaluate() returns when every other weight is 0.
#include <cstddef>
#include <string>
#include <vector>

#include "layers/style_objective.h"

namespace nst {

enum class TermKind { content, style, tv };

struct TermId {
  TermKind kind;
  std::size_t index;  // among the content or the style terms; 0 for TV
  std::string layer;  // "relu4_1"; "" for TV
};

std::vector<TermId> objective_terms(const StyleObjective& objective);

// "content relu4_1", "style relu1_1", "tv".
std::string term_name(const TermId& term);
// "content", "style", "tv".
std::string kind_name(TermKind kind);

// α_c, β_l or γ.
float term_weight(const ObjectiveWeights& weights, const TermId& term);
// The term's unweighted value at the last evaluate(): J_content^c, J_style^l or TV (reads one float).
float term_raw_loss(const StyleObjective& objective, const TermId& term);
// `all` with every weight but the term's set to 0.
ObjectiveWeights weights_of_term_alone(const ObjectiveWeights& all, const TermId& term);

}  // namespace nst
