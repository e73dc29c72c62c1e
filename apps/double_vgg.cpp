#include "apps/double_vgg.h"

#include <algorithm>

#include "engine/error.h"
#include "weights/vgg19_spec.h"

namespace nst {

namespace {

// y[o,i,j] = b[o] + Σ_{c,u,v} W[o,c,u,v]·x[c,i+u−1,j+v−1], zero outside the image.
DoubleFeatures conv3x3(const DoubleFeatures& x, const std::vector<double>& kernel, const std::vector<double>& bias,
                       int out_channels) {
  const int h = x.height, w = x.width;
  DoubleFeatures y{out_channels, h, w, std::vector<double>(std::size_t(out_channels) * h * w)};
#pragma omp parallel for schedule(static)
  for (int o = 0; o < out_channels; ++o) {
    double* out = &y.values[std::size_t(o) * h * w];
    std::fill(out, out + std::size_t(h) * w, bias[std::size_t(o)]);
    for (int c = 0; c < x.channels; ++c) {
      const double* in = &x.values[std::size_t(c) * h * w];
      for (int u = 0; u < 3; ++u)
        for (int v = 0; v < 3; ++v) {
          const double weight = kernel[((std::size_t(o) * x.channels + c) * 3 + u) * 3 + v];
          const int j_begin = std::max(0, 1 - v), j_end = std::min(w, w + 1 - v);
          for (int i = std::max(0, 1 - u); i < std::min(h, h + 1 - u); ++i) {
            const double* row = in + std::size_t(i + u - 1) * w + (v - 1);
            double* out_row = out + std::size_t(i) * w;
            for (int j = j_begin; j < j_end; ++j) out_row[j] += weight * row[j];
          }
        }
    }
  }
  return y;
}

// 2×2, stride 2, ⌊H/2⌋ × ⌊W/2⌋.
DoubleFeatures pool2x2(const DoubleFeatures& x, ops::PoolKind kind) {
  DoubleFeatures y{x.channels, x.height / 2, x.width / 2, {}};
  y.values.resize(std::size_t(y.channels) * y.height * y.width);
  const auto at = [&](int c, int i, int j) { return x.values[(std::size_t(c) * x.height + i) * x.width + j]; };
  for (int c = 0; c < y.channels; ++c)
    for (int i = 0; i < y.height; ++i)
      for (int j = 0; j < y.width; ++j) {
        const double a = at(c, 2 * i, 2 * j), b = at(c, 2 * i, 2 * j + 1), d = at(c, 2 * i + 1, 2 * j),
                     e = at(c, 2 * i + 1, 2 * j + 1);
        y.values[(std::size_t(c) * y.height + i) * y.width + j] =
            kind == ops::PoolKind::max ? std::max({a, b, d, e}) : (a + b + d + e) / 4;
      }
  return y;
}

}  // namespace

DoubleVgg19::DoubleVgg19(const std::vector<ConvWeights>& weights, ops::PoolKind pooling, std::vector<Tap> taps)
    : pooling_(pooling), taps_(std::move(taps)) {
  int depth = 0;
  for (const Tap& tap : taps_) depth = std::max(depth, tap.conv_index + 1);
  NST_CHECK(static_cast<int>(weights.size()) >= depth,
            "the double VGG19 needs " << depth << " layers, got " << weights.size());
  for (int k = 0; k < depth; ++k) {
    const ConvWeights& cw = weights[std::size_t(k)];
    const std::vector<float> kernel = cw.kernel.to_host(), bias = cw.bias.to_host();
    layers_.push_back({std::vector<double>(kernel.begin(), kernel.end()), std::vector<double>(bias.begin(), bias.end()),
                       static_cast<int>(cw.kernel.dim(1)), static_cast<int>(cw.kernel.dim(0)),
                       vgg19_conv_specs()[std::size_t(k)].pool_after});
  }
}

std::vector<DoubleFeatures> DoubleVgg19::forward(const std::vector<double>& x, int height, int width) const {
  std::vector<DoubleFeatures> at_taps(taps_.size());
  DoubleFeatures in{3, height, width, x};
  for (std::size_t k = 0; k < layers_.size(); ++k) {
    const Layer& layer = layers_[k];
    DoubleFeatures a = conv3x3(in, layer.kernel, layer.bias, layer.out_channels);
    for (std::size_t t = 0; t < taps_.size(); ++t)
      if (taps_[t].conv_index == int(k) && taps_[t].before_relu) at_taps[t] = a;
    for (double& v : a.values) v = std::max(v, 0.0);
    for (std::size_t t = 0; t < taps_.size(); ++t)
      if (taps_[t].conv_index == int(k) && !taps_[t].before_relu) at_taps[t] = a;
    in = layer.pool_after && k + 1 < layers_.size() ? pool2x2(a, pooling_) : std::move(a);
  }
  return at_taps;
}

}  // namespace nst
