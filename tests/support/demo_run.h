#pragma once
// A short style-transfer run of the shared demo pair through the library (not the binary), as the
// end-to-end tests on each device use it: default weights, relu4_1 content, relu1_1…relu4_1 style,
// L-BFGS, initialised from the content.
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace nst::testing {

struct DemoRun {
  std::vector<float> losses;  // the total loss at the start of each iteration
  Tensor image;               // the result, in VGG's input space
};

DemoRun run_demo_pair(const std::string& weights, const std::string& content_path, const std::string& style_path,
                      Device device, int size, int iterations);

}  // namespace nst::testing
