#include "apps/visualize_command.h"

#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "apps/figures.h"
#include "apps/image.h"
#include "apps/loss_log.h"
#include "apps/output_checks.h"
#include "apps/style_problem.h"
#include "apps/vgg_image.h"
#include "engine/error.h"
#include "engine/ops/gram.h"
#include "layers/vgg19.h"
#include "weights/default_weights_path.h"

namespace nst {

namespace {

// The figure is written only as PNG, never over its input.
void check_figure_output(const VisualizeOptions& v) {
  std::string extension = std::filesystem::path(v.output).extension().string();
  for (char& ch : extension) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  NST_CHECK(extension == ".png", "output " << v.output << ": figures are PNG; the name must end in .png");
  const std::filesystem::path dir = std::filesystem::path(v.output).parent_path();
  NST_CHECK(dir.empty() || std::filesystem::is_directory(dir),
            "output " << v.output << ": the folder " << dir.string() << " does not exist");
  for (const std::string& input : {v.image, v.loss_plot, v.network.weights})
    NST_CHECK(input.empty() || !same_file(v.output, input),
              "--output " << v.output << " is the same file as the input " << input << "; choose another output name");
}

Image layer_figure(const VisualizeOptions& v) {
  const Options& o = v.network;
  const Tap tap = parse_tap(v.layer);
  const Device device = choose_device(o.device);
  const Image image = resize_longer_side(read_image(v.image), o.image_size);
  const std::string weights = find_weights_file(WeightsSearchPlaces::from_environment(o.weights));
  Vgg19 net = Vgg19::from_file(weights, o.pooling == "avg" ? ops::PoolKind::avg : ops::PoolKind::max, device, {tap},
                               conv_math_of(o));
  net.forward(to_vgg_input(image, device));
  const Tensor& features = net.activation(tap);
  std::printf("%s of %s (%dx%d): %s\n", tap.name.c_str(), v.image.c_str(), image.width, image.height,
              to_string(features.shape()).c_str());
  return v.gram ? gram_heat_map(ops::gram(features, net.conv_math())) : feature_map_grid(features);
}

}  // namespace

std::optional<VisualizeOptions> parse_visualize_options(int argc, char** argv, int& exit_code) {
  VisualizeOptions v;
  v.network.image_size = 256;
  CLI::App app{
      "nst visualize: draws what the network sees, as PNG.\n"
      "  nst visualize --image I --layer relu3_1 --output grid.png   the layer's feature maps, one grey tile\n"
      "                                                              per channel, each scaled to its own range\n"
      "  nst visualize --image I --layer relu3_1 --gram --output g.png   its Gram matrix F F^T as a heat map\n"
      "  nst visualize --loss-plot run.csv --output plot.png         a run's --loss-log, each term against\n"
      "                                                              the iteration, log scale",
      "nst visualize"};
  auto* image = app.add_option("--image", v.image, "Image whose features are drawn (PNG or JPEG)");
  auto* layer = app.add_option("--layer", v.layer, "Layer: reluB_I or convB_I (relu3_1, conv4_2, ...)");
  auto* gram = app.add_flag("--gram", v.gram, "Draw the layer's Gram matrix instead of its feature maps");
  auto* plot = app.add_option("--loss-plot", v.loss_plot, "A run's --loss-log CSV to plot");
  app.add_option("--output,-o", v.output, "The figure, .png (written atomically)")->required();
  add_network_options(app, v.network);
  plot->excludes(image)->excludes(layer)->excludes(gram);
  image->needs(layer);
  layer->needs(image);
  gram->needs(layer);
  app.callback([&] {
    if (v.loss_plot.empty() && v.image.empty()) throw CLI::RequiredError("--image and --layer, or --loss-plot,");
  });
  if (!parse_command_line(app, argc, argv, v.network, nullptr, exit_code)) return std::nullopt;
  return v;
}

void run_visualize_command(const VisualizeOptions& v) {
  check_figure_output(v);
  const Image figure = v.loss_plot.empty() ? layer_figure(v) : loss_plot(read_loss_log(v.loss_plot));
  write_image(figure, v.output);
  std::printf("wrote %s (%dx%d)\n", v.output.c_str(), figure.width, figure.height);
}

}  // namespace nst
