#include "layers/style_objective.h"

#include <algorithm>
#include <numeric>
#include <utility>

#include "engine/error.h"
#include "engine/ops/gram.h"
#include "engine/ops/losses.h"
#include "engine/ops/vector_ops.h"

namespace nst {

StyleObjective::StyleObjective(Vgg19& net, std::vector<Tap> content_taps, std::vector<Tap> style_taps,
                               const Tensor& content, const std::vector<Tensor>& styles, std::vector<float> style_blend,
                               ObjectiveWeights weights)
    : net_(net), weights_(std::move(weights)) {
  const Device device = net_.device();
  NST_CHECK(!styles.empty(), "style transfer needs at least one style image");
  NST_CHECK(style_blend.size() == styles.size(), styles.size()
                                                     << " style images but " << style_blend.size() << " blend weights");
  const float blend_total = std::accumulate(style_blend.begin(), style_blend.end(), 0.0f);
  for (const float w : style_blend) NST_CHECK(w >= 0.0f, "style blend weights must not be negative, got " << w);
  NST_CHECK(blend_total > 0.0f, "style blend weights sum to zero");
  NST_CHECK(weights_.content.size() == content_taps.size(),
            content_taps.size() << " content layers but " << weights_.content.size() << " content weights");
  NST_CHECK(weights_.style.size() == style_taps.size(),
            style_taps.size() << " style layers but " << weights_.style.size() << " style layer weights");

  // Content targets a^c(content), and the number of positions M_l that x (content-sized) has at
  // each style layer.
  net_.forward(content);
  for (std::size_t c = 0; c < content_taps.size(); ++c)
    content_terms_.push_back(
        {content_taps[c], weights_.content[c], net_.activation(content_taps[c]).clone(), Tensor::zeros({1}, device)});
  auto positions_of = [](const Tensor& f) { return static_cast<double>(f.dim(2) * f.dim(3)); };  // M = H·W
  std::vector<double> positions;
  for (const Tap& tap : style_taps) positions.push_back(positions_of(net_.activation(tap)));

  // Style targets A^l = Σ_s w_s·G^l(style_s)·M_l / M_l^s.
  for (std::size_t l = 0; l < style_taps.size(); ++l) {
    const std::int64_t channels = net_.activation(style_taps[l]).dim(1);
    style_terms_.push_back({style_taps[l], weights_.style[l], Tensor::zeros({1, channels, channels}, device),
                            Tensor({1, channels, channels}, device), Tensor::zeros({1}, device)});
  }
  for (std::size_t s = 0; s < styles.size(); ++s) {
    net_.forward(styles[s]);
    for (std::size_t l = 0; l < style_terms_.size(); ++l) {
      StyleTerm& term = style_terms_[l];
      const Tensor& f = net_.activation(term.tap);
      const double scale = style_blend[s] / blend_total * positions[l] / positions_of(f);
      ops::axpy(static_cast<float>(scale), ops::gram(f, net_.conv_math()), term.target);
    }
  }
  tv_loss_ = Tensor::zeros({1}, device);
  total_content_ = Tensor::zeros({1}, device);
  total_style_ = Tensor::zeros({1}, device);
  total_ = Tensor::zeros({1}, device);
}

void StyleObjective::evaluate(const Tensor& x, Tensor& gradient) {
  net_.forward(x);
  ops::fill(total_content_, 0.0f);
  for (ContentTerm& term : content_terms_) {
    ops::content_loss(net_.activation(term.tap), term.target, term.loss);
    ops::axpy(term.weight, term.loss, total_content_);
  }
  ops::fill(total_style_, 0.0f);
  if (x.device() == Device::cuda) {  // one scratch for every Gram, grown before a graph records (never during)
    std::int64_t floats = 1;
    for (const StyleTerm& term : style_terms_)
      floats = std::max(floats, ops::gram_scratch_floats(net_.activation(term.tap)));
    if (gram_scratch_.numel() < floats) gram_scratch_ = Tensor({floats}, Device::cuda);
  }
  for (StyleTerm& term : style_terms_) {
    const Tensor& f = net_.activation(term.tap);
    ops::gram(f, term.gram, net_.conv_math(), x.device() == Device::cuda ? &gram_scratch_ : nullptr);
    ops::style_loss(f, term.gram, term.target, term.loss);
    ops::axpy(term.weight, term.loss, total_style_);
  }
  ops::tv_loss(x, tv_loss_);
  ops::fill(total_, 0.0f);
  ops::axpy(1.0f, total_content_, total_);
  ops::axpy(1.0f, total_style_, total_);
  ops::axpy(weights_.tv, tv_loss_, total_);

  net_.backward(
      [this](const Tap& tap, Tensor& grad) {
        for (const ContentTerm& term : content_terms_)
          if (term.tap == tap) ops::content_loss_backward(net_.activation(tap), term.target, term.weight, grad);
        for (const StyleTerm& term : style_terms_)
          if (term.tap == tap)
            ops::style_loss_backward(net_.activation(tap), term.gram, term.target, term.weight, grad, net_.conv_math());
      },
      gradient);
  if (weights_.tv != 0.0f) ops::tv_loss_backward(x, weights_.tv, gradient);
}

void StyleObjective::set_weights(ObjectiveWeights weights) {
  NST_CHECK(weights.content.size() == content_terms_.size() && weights.style.size() == style_terms_.size(),
            "the objective has " << content_terms_.size() << " content and " << style_terms_.size()
                                 << " style terms, the new weights " << weights.content.size() << " and "
                                 << weights.style.size());
  for (std::size_t c = 0; c < content_terms_.size(); ++c) content_terms_[c].weight = weights.content[c];
  for (std::size_t l = 0; l < style_terms_.size(); ++l) style_terms_[l].weight = weights.style[l];
  weights_ = std::move(weights);
}

LossValues StyleObjective::read_losses() const {
  LossValues values;
  values.total = total_.item();
  values.content = total_content_.item();
  values.style = total_style_.item();
  values.tv = weights_.tv * tv_loss_.item();
  return values;
}

}  // namespace nst
