#include "layers/loss_weights.h"

#include "engine/error.h"
#include "weights/vgg19_spec.h"

namespace nst {

namespace {

const VggConvSpec& spec_of(const Tap& tap) { return vgg19_conv_specs()[static_cast<std::size_t>(tap.conv_index)]; }

// C·H·W at a tap: the image is halved (floor) by the pool closing each block before the tap's.
double elements_at(const Tap& tap, std::int64_t height, std::int64_t width) {
  for (int block = 1; block < spec_of(tap).block; ++block) height /= 2, width /= 2;
  return static_cast<double>(spec_of(tap).out_channels) * static_cast<double>(height * width);
}

}  // namespace

ObjectiveWeights objective_weights(const UserLossWeights& user, const std::vector<Tap>& content_taps,
                                   const std::vector<Tap>& style_taps, std::int64_t height, std::int64_t width) {
  std::vector<float> layer_weights = user.style_layers;
  if (layer_weights.empty()) layer_weights.assign(style_taps.size(), 1.0f);
  NST_CHECK(layer_weights.size() == style_taps.size(),
            style_taps.size() << " style layers but " << layer_weights.size() << " style layer weights");
  ObjectiveWeights weights;
  for (const Tap& tap : content_taps) {
    const double elements = elements_at(tap, height, width);
    NST_CHECK(elements > 0, "the image is too small to reach " << tap.name);
    weights.content.push_back(static_cast<float>(2.0 * user.content / elements));
  }
  for (std::size_t l = 0; l < style_taps.size(); ++l) {
    const double channels = spec_of(style_taps[l]).out_channels;
    weights.style.push_back(static_cast<float>(4.0 * user.style * layer_weights[l] / (channels * channels)));
  }
  weights.tv = user.tv;
  return weights;
}

}  // namespace nst
