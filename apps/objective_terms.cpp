#include "apps/objective_terms.h"

namespace nst {

std::vector<TermId> objective_terms(const StyleObjective& objective) {
  std::vector<TermId> terms;
  for (std::size_t c = 0; c < objective.content_terms().size(); ++c)
    terms.push_back({TermKind::content, c, objective.content_terms()[c].tap.name});
  for (std::size_t l = 0; l < objective.style_terms().size(); ++l)
    terms.push_back({TermKind::style, l, objective.style_terms()[l].tap.name});
  terms.push_back({TermKind::tv, 0, ""});
  return terms;
}

std::string kind_name(TermKind kind) {
  switch (kind) {
    case TermKind::content:
      return "content";
    case TermKind::style:
      return "style";
    case TermKind::tv:
      break;
  }
  return "tv";
}

std::string term_name(const TermId& term) {
  return term.kind == TermKind::tv ? kind_name(term.kind) : kind_name(term.kind) + " " + term.layer;
}

float term_weight(const ObjectiveWeights& weights, const TermId& term) {
  switch (term.kind) {
    case TermKind::content:
      return weights.content[term.index];
    case TermKind::style:
      return weights.style[term.index];
    case TermKind::tv:
      break;
  }
  return weights.tv;
}

float term_raw_loss(const StyleObjective& objective, const TermId& term) {
  switch (term.kind) {
    case TermKind::content:
      return objective.content_terms()[term.index].loss.item();
    case TermKind::style:
      return objective.style_terms()[term.index].loss.item();
    case TermKind::tv:
      break;
  }
  return objective.tv_loss().item();
}

ObjectiveWeights weights_of_term_alone(const ObjectiveWeights& all, const TermId& term) {
  ObjectiveWeights alone{std::vector<float>(all.content.size(), 0.0f), std::vector<float>(all.style.size(), 0.0f),
                         0.0f};
  switch (term.kind) {
    case TermKind::content:
      alone.content[term.index] = all.content[term.index];
      break;
    case TermKind::style:
      alone.style[term.index] = all.style[term.index];
      break;
    case TermKind::tv:
      alone.tv = all.tv;
      break;
  }
  return alone;
}

}  // namespace nst
