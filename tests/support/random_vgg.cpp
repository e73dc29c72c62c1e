#include "tests/support/random_vgg.h"

#include <cmath>

#include "tests/support/random.h"
#include "weights/vgg19_spec.h"

namespace nst::testing {

std::vector<ConvWeights> random_vgg_weights(int depth, std::uint64_t seed) {
  std::vector<ConvWeights> weights;
  for (int k = 0; k < depth; ++k) {
    const VggConvSpec& spec = vgg19_conv_specs()[std::size_t(k)];
    const float he = std::sqrt(6.0f / static_cast<float>(spec.in_channels * 9));  // uniform ±he has variance 2/fan_in
    weights.push_back({spec.keras_name,
                       random_tensor({spec.out_channels, spec.in_channels, 3, 3}, seed + 2 * k, Device::cpu, -he, he),
                       random_tensor({spec.out_channels}, seed + 2 * k + 1, Device::cpu, -0.1f, 0.1f)});
  }
  return weights;
}

}  // namespace nst::testing
