#include "layers/tile_objective.h"

#include <utility>

#include "engine/error.h"
#include "engine/ops/activation.h"
#include "engine/ops/gram.h"
#include "engine/ops/losses.h"
#include "engine/ops/vector_ops.h"

namespace nst {

TileObjective::TileObjective(Vgg19& net, std::vector<Tap> content_taps, std::vector<Tap> style_taps,
                             ObjectiveWeights weights, std::vector<std::int64_t> whole_positions)
    : net_(net),
      content_taps_(std::move(content_taps)),
      style_taps_(std::move(style_taps)),
      weights_(std::move(weights)),
      whole_positions_(std::move(whole_positions)) {
  NST_CHECK(weights_.content.size() == content_taps_.size() && weights_.style.size() == style_taps_.size() &&
                whole_positions_.size() == style_taps_.size(),
            "tile objective: " << content_taps_.size() << " content and " << style_taps_.size() << " style layers, but "
                               << weights_.content.size() << " content weights, " << weights_.style.size()
                               << " style weights and " << whole_positions_.size() << " position counts");
  const Device device = net_.device();
  tv_loss_ = Tensor::zeros({1}, device);
  total_ = Tensor::zeros({1}, device);
}

void TileObjective::begin_visit(const Tensor& content_window, const Tensor& x_window,
                                const std::vector<Tensor>& style_targets, const std::vector<Tensor>& whole_grams,
                                Tensor update_mask) {
  NST_CHECK(style_targets.size() == style_taps_.size() && whole_grams.size() == style_taps_.size(),
            "tile objective: " << style_taps_.size() << " style layers, " << style_targets.size() << " targets and "
                               << whole_grams.size() << " whole-image Grams");
  NST_CHECK(update_mask.shape() == x_window.shape() && content_window.shape() == x_window.shape(),
            "tile objective: the window " << to_string(x_window.shape()) << ", its content "
                                          << to_string(content_window.shape()) << " and its mask "
                                          << to_string(update_mask.shape()) << " differ");
  const Device device = net_.device();
  update_mask_ = std::move(update_mask);
  net_.forward(content_window);
  content_terms_.clear();
  for (std::size_t c = 0; c < content_taps_.size(); ++c)
    content_terms_.push_back(
        {content_taps_[c], weights_.content[c], net_.activation(content_taps_[c]).clone(), Tensor::zeros({1}, device)});
  net_.forward(x_window);
  style_terms_.clear();
  start_grams_.clear();
  for (std::size_t l = 0; l < style_taps_.size(); ++l) {
    const Tensor& f = net_.activation(style_taps_[l]);
    Tensor start = ops::gram(f, net_.conv_math());
    // A − R = A − (G − G_W(start)) = A − G + G_W(start)
    Tensor shifted = style_targets[l].clone();
    ops::axpy(-1.0f, whole_grams[l], shifted);
    ops::axpy(1.0f, start, shifted);
    const double ratio = static_cast<double>(f.dim(2) * f.dim(3)) / static_cast<double>(whole_positions_[l]);
    style_terms_.push_back({style_taps_[l], static_cast<float>(weights_.style[l] * ratio * ratio), std::move(shifted),
                            Tensor(start.shape(), device), Tensor::zeros({1}, device)});
    start_grams_.push_back(std::move(start));
  }
}

void TileObjective::evaluate(const Tensor& x, Tensor& gradient) {
  NST_CHECK(x.shape() == update_mask_.shape(),
            "tile objective: evaluated at " << to_string(x.shape()) << " before a visit of that window");
  net_.forward(x);
  ops::fill(total_, 0.0f);
  for (ContentTerm& term : content_terms_) {
    ops::content_loss(net_.activation(term.tap), term.target, term.loss);
    ops::axpy(term.weight, term.loss, total_);
  }
  for (StyleTerm& term : style_terms_) {
    const Tensor& f = net_.activation(term.tap);
    ops::gram(f, term.gram, net_.conv_math());
    ops::style_loss(f, term.gram, term.shifted_target, term.loss);
    ops::axpy(term.weight, term.loss, total_);
  }
  ops::tv_loss(x, tv_loss_);
  ops::axpy(weights_.tv, tv_loss_, total_);
  net_.backward(
      [this](const Tap& tap, Tensor& grad) {
        for (const ContentTerm& term : content_terms_)
          if (term.tap == tap) ops::content_loss_backward(net_.activation(tap), term.target, term.weight, grad);
        for (const StyleTerm& term : style_terms_)
          if (term.tap == tap)
            ops::style_loss_backward(net_.activation(tap), term.gram, term.shifted_target, term.weight, grad,
                                     net_.conv_math());
      },
      gradient);
  if (weights_.tv != 0.0f) ops::tv_loss_backward(x, weights_.tv, gradient);
  // dJ/dx ⊙ [mask > 0]: the ReLU gate's op, with the update region's indicator as the gate.
  ops::relu_backward(update_mask_, gradient, gradient);
}

}  // namespace nst
