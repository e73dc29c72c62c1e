#include "tests/support/naive_vgg.h"

#include <algorithm>

#include "weights/vgg19_spec.h"

namespace nst::testing {

namespace {

NaiveImage conv3x3(const NaiveImage& x, const ConvWeights& weights) {
  const std::vector<float> k = weights.kernel.to_host(), b = weights.bias.to_host();
  const int out_c = static_cast<int>(weights.kernel.dim(0));
  NaiveImage y{out_c, x.h, x.w, std::vector<double>(std::size_t(out_c) * x.h * x.w)};
  for (int o = 0; o < out_c; ++o)
    for (int i = 0; i < x.h; ++i)
      for (int j = 0; j < x.w; ++j) {
        double s = b[std::size_t(o)];
        for (int c = 0; c < x.c; ++c)
          for (int u = 0; u < 3; ++u)
            for (int v = 0; v < 3; ++v) {
              const int ii = i + u - 1, jj = j + v - 1;
              if (ii < 0 || ii >= x.h || jj < 0 || jj >= x.w) continue;
              s += k[((std::size_t(o) * x.c + c) * 3 + u) * 3 + v] * x.at(c, ii, jj);
            }
        y.v[(std::size_t(o) * y.h + i) * y.w + j] = s;
      }
  return y;
}

NaiveImage pool2x2(const NaiveImage& x, bool max_pool) {
  NaiveImage y{x.c, x.h / 2, x.w / 2, {}};
  y.v.resize(std::size_t(y.c) * y.h * y.w);
  for (int c = 0; c < y.c; ++c)
    for (int i = 0; i < y.h; ++i)
      for (int j = 0; j < y.w; ++j) {
        const double a = x.at(c, 2 * i, 2 * j), b = x.at(c, 2 * i, 2 * j + 1), d = x.at(c, 2 * i + 1, 2 * j),
                     e = x.at(c, 2 * i + 1, 2 * j + 1);
        y.v[(std::size_t(c) * y.h + i) * y.w + j] = max_pool ? std::max({a, b, d, e}) : (a + b + d + e) / 4;
      }
  return y;
}

const NaiveImage& tap_value(const NaiveTrunk& trunk, const Tap& tap) {
  return tap.before_relu ? trunk.pre_relu[std::size_t(tap.conv_index)] : trunk.post_relu[std::size_t(tap.conv_index)];
}

}  // namespace

NaiveTrunk naive_vgg_forward(const std::vector<ConvWeights>& weights, int depth, const NaiveImage& x, bool max_pool) {
  NaiveTrunk trunk;
  NaiveImage in = x;
  for (int k = 0; k < depth; ++k) {
    NaiveImage z = conv3x3(in, weights[std::size_t(k)]);
    NaiveImage a = z;
    for (double& value : a.v) value = std::max(value, 0.0);
    trunk.pre_relu.push_back(z);
    trunk.post_relu.push_back(a);
    in = vgg19_conv_specs()[std::size_t(k)].pool_after ? pool2x2(a, max_pool) : a;
  }
  return trunk;
}

std::vector<double> naive_gram(const NaiveImage& f) {
  const std::size_t m = std::size_t(f.h) * f.w;
  std::vector<double> g(std::size_t(f.c) * f.c, 0.0);
  for (int k = 0; k < f.c; ++k)
    for (int l = 0; l < f.c; ++l)
      for (std::size_t p = 0; p < m; ++p) g[std::size_t(k) * f.c + l] += f.v[k * m + p] * f.v[l * m + p];
  return g;
}

double naive_objective(const std::vector<ConvWeights>& weights, const NaiveObjective& objective, const NaiveImage& x,
                       bool max_pool) {
  int depth = 0;
  for (const auto* taps : {&objective.content_taps, &objective.style_taps})
    for (const Tap& tap : *taps) depth = std::max(depth, tap.conv_index + 1);
  const NaiveTrunk trunk = naive_vgg_forward(weights, depth, x, max_pool);
  double j = 0.0;
  for (std::size_t c = 0; c < objective.content_taps.size(); ++c) {
    const NaiveImage& a = tap_value(trunk, objective.content_taps[c]);
    for (std::size_t i = 0; i < a.v.size(); ++i) {
      const double d = a.v[i] - objective.content_targets[c].v[i];
      j += objective.content_weights[c] * 0.5 * d * d;
    }
  }
  for (std::size_t l = 0; l < objective.style_taps.size(); ++l) {
    const NaiveImage& f = tap_value(trunk, objective.style_taps[l]);
    const std::vector<double> g = naive_gram(f);
    const double norm = 2.0 * f.c * f.h * f.w;
    double s = 0.0;
    for (std::size_t i = 0; i < g.size(); ++i)
      s += (g[i] - objective.style_targets[l][i]) * (g[i] - objective.style_targets[l][i]);
    j += objective.style_weights[l] * s / (norm * norm);
  }
  double tv = 0.0;
  for (int c = 0; c < x.c; ++c)
    for (int i = 0; i < x.h; ++i)
      for (int k = 0; k < x.w; ++k) {
        if (k + 1 < x.w) tv += (x.at(c, i, k + 1) - x.at(c, i, k)) * (x.at(c, i, k + 1) - x.at(c, i, k));
        if (i + 1 < x.h) tv += (x.at(c, i + 1, k) - x.at(c, i, k)) * (x.at(c, i + 1, k) - x.at(c, i, k));
      }
  return j + objective.gamma * 0.5 * tv;
}

}  // namespace nst::testing
