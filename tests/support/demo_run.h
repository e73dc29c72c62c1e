#pragma once
// The shared demo pair (tubingen.jpg painted like starry_night.jpg) with the partial VGG19
// weights, set up through the library as `nst` sets it up: default weights, content relu4_1,
// style relu1_1…relu4_1, initialised from the content. The end-to-end tests run it; the
// iteration benchmark times it.
#include <memory>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "layers/lbfgs.h"
#include "layers/style_objective.h"
#include "layers/stylizer.h"
#include "layers/vgg19.h"

namespace nst::testing {

class DemoProblem {
 public:
  // `math`: the convolutions' and Grams' arithmetic on a GPU (layers/vgg19.h).
  DemoProblem(const std::string& weights, const std::string& content_path, const std::string& style_path, Device device,
              int size, ops::ConvMath math = ops::ConvMath::fp32);
  StyleObjective& objective() { return *objective_; }
  const Tensor& content() const { return content_; }
  const std::vector<Tap>& taps() const { return net_->taps(); }

 private:
  std::unique_ptr<Vgg19> net_;  // the objective refers to it: kept at a fixed address
  Tensor content_;
  std::unique_ptr<StyleObjective> objective_;
};

struct DemoRun {
  std::vector<float> losses;  // the total loss at the start of each iteration
  Tensor image;               // the result, in VGG's input space
  LoopReport loop;
};

// `iterations` L-BFGS iterations of `problem` from its content image, keeping `history_size`
// curvature pairs, within the pixel bounds (nst's default, --pixel-bounds on). A problem serves any
// number of runs: each starts afresh from the content image.
DemoRun run_demo(DemoProblem& problem, int iterations, LoopOptions options = {},
                 int history_size = LbfgsOptions{}.history_size);

// run_demo of a fresh demo problem.
DemoRun run_demo_pair(const std::string& weights, const std::string& content_path, const std::string& style_path,
                      Device device, int size, int iterations, LoopOptions options = {},
                      int history_size = LbfgsOptions{}.history_size);

}  // namespace nst::testing
