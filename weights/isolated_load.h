#pragma once
// The weights reader as the program calls it: weights/vgg19_weights.h run in a child process
// (engine/isolated_call.h), so that a damaged file on which libhdf5 crashes or never returns gives an
// nst::Error naming the file, like every other damaged file, instead of a crash or a hang. libhdf5 1.10
// does both on damaged files (tests/fuzz/README.md, "What was found"); no check of ours before the
// call can rule that out, since it is libhdf5 that parses the file.
#include <string>
#include <vector>

#include "weights/vgg19_weights.h"

namespace nst {

// Reading the full VGG19 file (80 MB) takes well under a second; two minutes allow for a slow disk.
constexpr double kWeightsReadTimeLimitSeconds = 120;

// count_vgg19_conv_layers, in a child process.
int count_vgg19_conv_layers_isolated(const std::string& path, double time_limit_seconds = kWeightsReadTimeLimitSeconds);

// load_vgg19_conv_weights, in a child process; the weights come back over a pipe, bit for bit.
std::vector<ConvWeights> load_vgg19_conv_weights_isolated(const std::string& path, int count,
                                                          double time_limit_seconds = kWeightsReadTimeLimitSeconds);

}  // namespace nst
