#include "apps/options.h"

#include <cstdlib>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

namespace nst {

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) items.push_back(item);
  return items;
}

// "0.5,1,2" → floats; a malformed number is a usage error naming the option.
std::vector<float> parse_floats(const std::string& text, const std::string& option) {
  std::vector<float> values;
  for (const std::string& item : split_list(text)) {
    try {
      std::size_t used = 0;
      values.push_back(std::stof(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw CLI::ValidationError(option, "'" + item + "' is not a number");
    }
  }
  return values;
}

}  // namespace

std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
  Options o;
  CLI::App app{
      "nst: neural style transfer (Gatys, Ecker & Bethge 2015) on VGG19.\n"
      "Repaints the content image in the style of the style image(s) by gradient descent on\n"
      "  J = content-weight*J_content + style-weight*sum_l w_l*J_style^l + tv-weight*TV.",
      "nst"};
  std::string styles, blend, style_layer_weights;
  app.add_option("--content", o.content, "Content image (PNG or JPEG)")->required();
  app.add_option("--style", styles, "Style image(s), comma-separated: S1[,S2,...]")->required();
  app.add_option("--output,-o", o.output, "Output image, .png or .jpg (written atomically)")->required();
  app.add_option("--style-blend-weights", blend, "Weights of the style images, comma-separated (default: equal)");
  app.add_option("--image-size", o.image_size, "Longer side of the output in pixels")
      ->capture_default_str()->check(CLI::Range(16, 8192));
  app.add_option("--style-scale", o.style_scale, "Size of the style images relative to --image-size")
      ->capture_default_str()->check(CLI::Range(0.05f, 8.0f));
  app.add_option("--iterations", o.iterations, "Optimizer iterations (one forward+backward each)")
      ->capture_default_str()->check(CLI::Range(0, 1000000));
  app.add_option("--optimizer", o.optimizer, "lbfgs (no line search) or adam")
      ->capture_default_str()->check(CLI::IsMember({"lbfgs", "adam"}));
  app.add_option("--learning-rate", o.learning_rate, "Step size (default: 1 for lbfgs, 10 for adam)")
      ->check(CLI::PositiveNumber);
  app.add_option("--lbfgs-history", o.lbfgs_history, "L-BFGS: number of (s, y) pairs kept")
      ->capture_default_str()->check(CLI::Range(1, 1000));
  app.add_option("--content-weight", o.content_weight, "alpha: weight of the content loss")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--style-weight", o.style_weight, "beta: weight of the style loss")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--tv-weight", o.tv_weight, "gamma: weight of the total-variation smoothing loss")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--content-layers", o.content_layers,
                 "Content layers, comma-separated (default relu4_2; relu4_1 when the weights stop earlier)");
  app.add_option("--style-layers", o.style_layers,
                 "Style layers (default relu1_1,relu2_1,relu3_1,relu4_1,relu5_1, those the weights have)");
  app.add_option("--style-layer-weights", style_layer_weights,
                 "Per-style-layer weights w_l, comma-separated, one per style layer (default: all 1)");
  app.add_option("--init", o.init, "Start from: content, random, or an image file")->capture_default_str();
  app.add_option("--seed", o.seed, "Seed for --init random (same seed and device: same image)")
      ->capture_default_str();
  app.add_option("--pooling", o.pooling, "VGG pooling: max or avg")
      ->capture_default_str()->check(CLI::IsMember({"max", "avg"}));
  app.add_flag("--original-colors", o.original_colors,
               "Keep the content's colours: transfer luminance only (YIQ)");
  app.add_option("--print-every", o.print_every, "Print the losses every N iterations (0: only at the end)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--save-every", o.save_every, "Also write OUTPUT_<iteration>.png every N iterations (0: never)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--device", o.device, "auto (CUDA when a GPU is usable), cpu or cuda")
      ->capture_default_str()->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app.add_flag("--tf32", o.tf32,
               "GPU only: forward convolutions on TF32 tensor cores (about 1e-3 relative error; the "
               "backward stays FP32)");
  app.add_flag("--cuda-graph", o.cuda_graph,
               "GPU and lbfgs only: from the third iteration on, replay one recorded iteration as a CUDA "
               "graph (one launch instead of one per kernel; same results bit for bit)");
  app.add_option("--weights", o.weights,
                 "Keras VGG19 weights (.h5); default $NST_WEIGHTS, then "
                 "weights/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5");
  try {
    app.parse(argc, argv);
    o.styles = split_list(styles);
    for (const auto& s : o.styles)
      if (s.empty()) throw CLI::ValidationError("--style", "empty file name in '" + styles + "'");
    if (!blend.empty()) {
      o.style_blend_weights = parse_floats(blend, "--style-blend-weights");
      if (o.style_blend_weights.size() != o.styles.size())
        throw CLI::ValidationError("--style-blend-weights", std::to_string(o.styles.size()) + " style images but " +
                                                                std::to_string(o.style_blend_weights.size()) + " weights");
    }
    if (!style_layer_weights.empty())
      o.style_layer_weights = parse_floats(style_layer_weights, "--style-layer-weights");
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return std::nullopt;
  }
  if (o.weights.empty()) {
    const char* env = std::getenv("NST_WEIGHTS");
    o.weights = (env && *env) ? env : "weights/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5";
  }
  return o;
}

}  // namespace nst
