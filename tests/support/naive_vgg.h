#pragma once
// A plain double-precision VGG19 trunk and style-transfer objective, written from the definitions
// with no attention to speed: the reference the engine's Vgg19 and StyleObjective are tested
// against. Images are (C, H, W) in row-major vectors, batch 1.
#include <vector>

#include "layers/taps.h"
#include "weights/vgg19_weights.h"

namespace nst::testing {

struct NaiveImage {
  int c = 0, h = 0, w = 0;
  std::vector<double> v;
  double at(int k, int i, int j) const { return v[(std::size_t(k) * h + i) * w + j]; }
};

// Activations of every conv layer up to `depth`, before and after ReLU.
struct NaiveTrunk {
  std::vector<NaiveImage> pre_relu, post_relu;
};

NaiveTrunk naive_vgg_forward(const std::vector<ConvWeights>& weights, int depth, const NaiveImage& x, bool max_pool);

struct NaiveObjective {
  std::vector<Tap> content_taps, style_taps;
  std::vector<NaiveImage> content_targets;         // a^c(content)
  std::vector<std::vector<double>> style_targets;  // A^l, C×C
  std::vector<double> content_weights;             // α_c
  std::vector<double> style_weights;               // β_l
  double gamma = 0;                                // γ
};

// J(x) = Σ_c α_c·½‖a−p‖² + Σ_l β_l·‖G−A‖²/(2CM)² + γ·½Σ(Δx² + Δy²)
double naive_objective(const std::vector<ConvWeights>& weights, const NaiveObjective& objective, const NaiveImage& x,
                       bool max_pool);

std::vector<double> naive_gram(const NaiveImage& f);

}  // namespace nst::testing
