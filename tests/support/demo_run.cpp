#include "tests/support/demo_run.h"

#include "apps/image.h"
#include "apps/vgg_image.h"
#include "layers/lbfgs.h"
#include "layers/loss_weights.h"
#include "layers/stylizer.h"

namespace nst::testing {

DemoRun run_demo_pair(const std::string& weights, const std::string& content_path, const std::string& style_path,
                      Device device, int size, int iterations) {
  const Image content_image = resize_longer_side(read_image(content_path), size);
  const Image style_image = resize_longer_side(read_image(style_path), size);
  const std::vector<Tap> content_taps = parse_taps("relu4_1");
  const std::vector<Tap> style_taps = parse_taps("relu1_1,relu2_1,relu3_1,relu4_1");
  std::vector<Tap> taps = content_taps;
  taps.insert(taps.end(), style_taps.begin(), style_taps.end());
  Vgg19 net = Vgg19::from_file(weights, ops::PoolKind::max, device, taps);
  const Tensor content = to_vgg_input(content_image, device);
  std::vector<Tensor> styles;
  styles.push_back(to_vgg_input(style_image, device));
  StyleObjective objective(net, content_taps, style_taps, content, styles, {1.0f},
                           objective_weights(UserLossWeights{}, content_taps, style_taps, content.dim(2), content.dim(3)));
  Lbfgs lbfgs(LbfgsOptions{});
  DemoRun run{{}, content.clone()};
  stylize(objective, lbfgs, run.image, iterations,
          [&](int, const Tensor&) { run.losses.push_back(objective.read_losses().total); });
  return run;
}

}  // namespace nst::testing
