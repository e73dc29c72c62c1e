#include "apps/double_objective.h"

namespace nst {

namespace {

// ½ Σ (f − p)²
double content_term(const std::vector<double>& f, const std::vector<double>& p) {
  double sum = 0;
  for (std::size_t i = 0; i < f.size(); ++i) sum += (f[i] - p[i]) * (f[i] - p[i]);
  return 0.5 * sum;
}

// G = F·Fᵀ for F = f as C × M.
std::vector<double> gram(const DoubleFeatures& f) {
  const std::int64_t c = f.channels, m = std::int64_t(f.height) * f.width;
  std::vector<double> g(std::size_t(c * c));
#pragma omp parallel for schedule(dynamic)
  for (std::int64_t i = 0; i < c; ++i)
    for (std::int64_t j = 0; j < c; ++j) {
      double sum = 0;
      for (std::int64_t k = 0; k < m; ++k) sum += f.values[std::size_t(i * m + k)] * f.values[std::size_t(j * m + k)];
      g[std::size_t(i * c + j)] = sum;
    }
  return g;
}

// Σ_{k,k'} (G − A)²_{kk'} / (2·C·M)².
double style_term(const DoubleFeatures& f, const std::vector<double>& a) {
  const std::vector<double> g = gram(f);
  double sum = 0;
  for (std::size_t i = 0; i < g.size(); ++i) sum += (g[i] - a[i]) * (g[i] - a[i]);
  const double norm = 2.0 * double(f.channels) * double(f.height) * double(f.width);
  return sum / (norm * norm);
}

std::vector<double> to_doubles(const Tensor& t) {
  const std::vector<float> values = t.to_host();
  return {values.begin(), values.end()};
}

// ½ Σ [(x[i,j+1] − x[i,j])² + (x[i+1,j] − x[i,j])²] over the pairs inside the image.
double tv_term(const std::vector<double>& x, int height, int width) {
  double sum = 0;
  for (int p = 0; p < 3; ++p)
    for (int i = 0; i < height; ++i)
      for (int j = 0; j < width; ++j) {
        const auto at = [&](int r, int q) { return x[(std::size_t(p) * height + r) * width + q]; };
        if (j + 1 < width) sum += (at(i, j + 1) - at(i, j)) * (at(i, j + 1) - at(i, j));
        if (i + 1 < height) sum += (at(i + 1, j) - at(i, j)) * (at(i + 1, j) - at(i, j));
      }
  return 0.5 * sum;
}

std::vector<Tap> taps_of(const StyleObjective& objective) {
  std::vector<Tap> taps;
  for (const auto& term : objective.content_terms()) taps.push_back(term.tap);
  for (const auto& term : objective.style_terms()) taps.push_back(term.tap);
  return taps;
}

}  // namespace

DoubleObjective::DoubleObjective(const StyleObjective& objective, const std::vector<ConvWeights>& weights,
                                 ops::PoolKind pooling, const Tensor& content, const std::vector<Tensor>& styles,
                                 const std::vector<float>& style_blend)
    : content_count_(objective.content_terms().size()),
      net_(weights, pooling, taps_of(objective)),
      weights_(objective.weights()) {
  const auto forward = [&](const Tensor& image) {
    return net_.forward(to_doubles(image), static_cast<int>(image.dim(2)), static_cast<int>(image.dim(3)));
  };
  const std::vector<DoubleFeatures> at_content = forward(content);
  for (std::size_t c = 0; c < content_count_; ++c) content_targets_.push_back(at_content[c].values);
  // A^l = Σ_s w_s·G^l(style_s)·M_l/M_l^s, the blend weights normalised to sum 1.
  double blend_total = 0;
  for (const float w : style_blend) blend_total += w;
  for (std::size_t l = 0; l < objective.style_terms().size(); ++l) {
    const DoubleFeatures& f = at_content[content_count_ + l];
    style_targets_.emplace_back(std::size_t(f.channels) * f.channels, 0.0);
  }
  for (std::size_t s = 0; s < styles.size(); ++s) {
    const std::vector<DoubleFeatures> at_style = forward(styles[s]);
    for (std::size_t l = 0; l < style_targets_.size(); ++l) {
      const DoubleFeatures& f = at_style[content_count_ + l];
      const DoubleFeatures& at_x = at_content[content_count_ + l];
      const double positions = double(at_x.height) * at_x.width, style_positions = double(f.height) * f.width;
      const double scale = style_blend[s] / blend_total * positions / style_positions;
      const std::vector<double> g = gram(f);
      for (std::size_t i = 0; i < g.size(); ++i) style_targets_[l][i] += scale * g[i];
    }
  }
}

std::vector<double> DoubleObjective::weighted_terms(const std::vector<double>& x, int height, int width) const {
  const std::vector<DoubleFeatures> features = net_.forward(x, height, width);  // content taps, then style taps
  std::vector<double> terms;
  for (std::size_t c = 0; c < content_count_; ++c)
    terms.push_back(weights_.content[c] * content_term(features[c].values, content_targets_[c]));
  for (std::size_t l = 0; l < style_targets_.size(); ++l) {
    const DoubleFeatures& f = features[content_count_ + l];
    terms.push_back(weights_.style[l] * style_term(f, style_targets_[l]));
  }
  terms.push_back(double(weights_.tv) * tv_term(x, height, width));
  return terms;
}

}  // namespace nst
