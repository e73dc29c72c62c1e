#include "tests/support/demo_run.h"

#include "apps/image.h"
#include "apps/vgg_image.h"
#include "layers/lbfgs.h"
#include "layers/loss_weights.h"

namespace nst::testing {

DemoProblem::DemoProblem(const std::string& weights, const std::string& content_path, const std::string& style_path,
                         Device device, int size, ops::ConvMath math) {
  const Image content_image = resize_longer_side(read_image(content_path), size);
  const Image style_image = resize_longer_side(read_image(style_path), size);
  const std::vector<Tap> content_taps = parse_taps("relu4_1");
  const std::vector<Tap> style_taps = parse_taps("relu1_1,relu2_1,relu3_1,relu4_1");
  std::vector<Tap> taps = content_taps;
  taps.insert(taps.end(), style_taps.begin(), style_taps.end());
  net_ = std::make_unique<Vgg19>(Vgg19::from_file(weights, ops::PoolKind::max, device, taps, math));
  content_ = to_vgg_input(content_image, device);
  std::vector<Tensor> styles;
  styles.push_back(to_vgg_input(style_image, device));
  objective_ = std::make_unique<StyleObjective>(
      *net_, content_taps, style_taps, content_, styles, std::vector<float>{1.0f},
      objective_weights(UserLossWeights{}, content_taps, style_taps, content_.dim(2), content_.dim(3)));
}

DemoRun run_demo(DemoProblem& problem, int iterations, LoopOptions options, int history_size) {
  LbfgsOptions lbfgs_options;
  lbfgs_options.history_size = history_size;
  lbfgs_options.bounds = vgg_input_bounds();  // as nst runs by default (--pixel-bounds on)
  Lbfgs lbfgs(lbfgs_options);
  DemoRun run{{}, problem.content().clone(), {}};
  run.loop = stylize(
      problem.objective(), lbfgs, run.image, iterations,
      [&](int, const Tensor&) { run.losses.push_back(problem.objective().read_losses().total); }, options);
  return run;
}

DemoRun run_demo_pair(const std::string& weights, const std::string& content_path, const std::string& style_path,
                      Device device, int size, int iterations, LoopOptions options, int history_size) {
  DemoProblem problem(weights, content_path, style_path, device, size);
  return run_demo(problem, iterations, options, history_size);
}

}  // namespace nst::testing
