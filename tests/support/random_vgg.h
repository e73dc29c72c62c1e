#pragma once
// Random He-initialised weights in VGG19's real shapes, so that tests of the whole network need no
// weights file.
#include <cstdint>
#include <vector>

#include "weights/vgg19_weights.h"

namespace nst::testing {

// The first `depth` convolutions: kernels uniform in ±√(6/fan_in) (variance 2/fan_in), biases in ±0.1.
std::vector<ConvWeights> random_vgg_weights(int depth, std::uint64_t seed);

}  // namespace nst::testing
