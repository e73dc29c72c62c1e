#pragma once
// The weights a user gives (--content-weight, --style-weight, --style-layer-weights, --tv-weight),
// read with neural-style's conventions (jcjohnson/neural-style), turned into J's α_c, β_l and γ:
//
//   α_c = 2·content_weight / N_c        so α_c·½‖F−P‖² = content_weight · mean((F−P)²),
//                                       N_c = C·H·W elements at content layer c;
//   β_l = 4·style_weight·λ_l / C_l²     so β_l·‖G−A‖²/(2CM)² = style_weight·λ_l · mean over the C²
//                                       entries of ((G−A)/(C·M))², the Gram normalised by C·M;
//   γ   = tv_weight.
//
// Measured per element, neither weight changes meaning with --image-size, and the defaults that
// look good with neural-style (content 5, style 100, tv 1e-3) look good here. TV is a sum over
// pixel pairs, not a mean: its share grows with the image (docs/MATH.md §2).
#include <cstdint>
#include <vector>

#include "layers/style_objective.h"
#include "layers/taps.h"

namespace nst {

struct UserLossWeights {
  float content = 5.0f;
  float style = 100.0f;
  float tv = 1e-3f;
  std::vector<float> style_layers;  // λ_l, one per style layer; empty: all 1
};

// height × width: the generated image's size (the content image's).
ObjectiveWeights objective_weights(const UserLossWeights& user, const std::vector<Tap>& content_taps,
                                   const std::vector<Tap>& style_taps, std::int64_t height, std::int64_t width);

}  // namespace nst
