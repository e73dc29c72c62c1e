#include "apps/style_problem.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "apps/image_size_check.h"
#include "apps/layer_choice.h"
#include "apps/run_memory.h"
#include "apps/run_step.h"
#include "apps/vgg_image.h"
#include "engine/error.h"
#include "engine/gpu.h"
#include "layers/adam.h"
#include "layers/lbfgs.h"
#include "weights/default_weights_path.h"
#include "weights/isolated_load.h"

namespace nst {

namespace {

// The style term of the demo pair's content image, max pooling over average pooling, at 512 and
// 64 px (bench/RESULTS.md, issue 13), and the boost of --style-weight that nst suggests for avg.
constexpr double kAveragePoolingStyleRatio[2] = {28, 71};
constexpr double kAveragePoolingStyleBoost = 30;

}  // namespace

Device choose_device(const std::string& requested) {
  if (requested == "cpu") return Device::cpu;
  if (requested == "cuda") {
    NST_CHECK(cuda_available(), "--device cuda: " << cuda_unavailable_reason());
    return Device::cuda;
  }
  return cuda_available() ? Device::cuda : Device::cpu;
}

StyleProblem build_style_problem(const Options& o, bool allow_tiles) {
  StyleProblem p;
  p.device = choose_device(o.device);
  std::printf("device: %s\n", p.device == Device::cuda ? ("cuda, " + cuda_device_description()).c_str() : "cpu");

  std::vector<RunImage> run_images;  // their sizes as read, for check_images_reach
  const auto read = [&](const std::string& what, const std::string& path) {
    set_run_step("reading " + what + " " + path);
    Image image = read_image(path);
    run_images.push_back({what + " " + path, {image.width, image.height}, !run_images.empty()});
    return image;
  };
  const auto resized = [&](const std::string& what, const std::string& path, const Image& image, int side) {
    set_run_step("resizing " + what + " " + path + " to " + std::to_string(side) + " px");
    return resize_longer_side(image, side);
  };
  p.content_image = resized("the content image", o.content, read("the content image", o.content), o.image_size);
  std::vector<Image> style_images;  // as read; resized once the run is known to fit in memory
  for (const std::string& path : o.styles) style_images.push_back(read("the style image", path));

  p.weights_path = find_weights_file(WeightsSearchPlaces::from_environment(o.weights));
  set_run_step("loading the weights " + p.weights_path);
  const int available = count_vgg19_conv_layers_isolated(p.weights_path);
  const LayerChoice defaults = default_layers(available);
  p.content_taps = parse_taps(o.content_layers.empty() ? defaults.content_layers : o.content_layers);
  p.style_taps = parse_taps(o.style_layers.empty() ? defaults.style_layers : o.style_layers);
  std::printf("weights: %s (%d of VGG19's 16 conv layers)\n", p.weights_path.c_str(), available);
  std::printf("content layers: %s\nstyle layers: %s\n", join_tap_names(p.content_taps).c_str(),
              join_tap_names(p.style_taps).c_str());
  std::vector<ImageSize> style_originals;
  for (const Image& s : style_images) style_originals.push_back({s.width, s.height});
  p.tiles = check_run_memory(o, {p.content_image.width, p.content_image.height}, style_originals, p.content_taps,
                             p.style_taps, p.device, allow_tiles);
  for (std::size_t i = 0; i < style_images.size(); ++i)
    style_images[i] = resized("the style image", o.styles[i], style_images[i], style_side(o.image_size, o.style_scale));
  std::printf("image: %dx%d, style%s:", p.content_image.width, p.content_image.height, o.styles.size() > 1 ? "s" : "");
  for (const Image& s : style_images) std::printf(" %dx%d", s.width, s.height);
  std::printf("\n");

  if (o.pooling == "avg")
    std::printf(
        "note: with --pooling avg the style term is %.0f-%.0fx smaller than with max pooling at the same "
        "weights (measured on the demo pair, docs/MATH.md section 1), so the picture comes out less stylised; "
        "--style-weight %g (%.0fx) restores the balance max pooling starts with (at 256-512 px)\n",
        kAveragePoolingStyleRatio[0], kAveragePoolingStyleRatio[1], o.style_weight * kAveragePoolingStyleBoost,
        kAveragePoolingStyleBoost);
  std::vector<Tap> all_taps = p.content_taps;
  all_taps.insert(all_taps.end(), p.style_taps.begin(), p.style_taps.end());
  const Tap& deepest = *std::max_element(all_taps.begin(), all_taps.end(),
                                         [](const Tap& a, const Tap& b) { return a.conv_index < b.conv_index; });
  check_images_reach(deepest, run_images, o.image_size, o.style_scale, kMaxImageSize);
  const std::vector<Scale> schedule = scale_schedule(scale_request(o, {p.content_image.width, p.content_image.height}));
  if (schedule.size() > 1) {
    const int first = schedule.front().longer_side();
    try {
      check_images_reach(deepest, run_images, first, o.style_scale, o.image_size);
    } catch (const Error& e) {
      NST_FAIL("the first of " << schedule.size() << " scales, " << first << " px: " << e.message()
                               << " (as --start-size)");
    }
  }
  if (o.conv_math != Options{}.conv_math && p.device == Device::cpu)
    std::printf("note: --conv-math %s has no effect on the CPU, which computes in FP32\n", o.conv_math.c_str());
  const ops::PoolKind pooling = o.pooling == "avg" ? ops::PoolKind::avg : ops::PoolKind::max;
  const ops::ConvMath math = conv_math_of(o);
  p.net = std::make_unique<Vgg19>(Vgg19::from_file(p.weights_path, pooling, p.device, all_taps, math));

  set_run_step("computing the content and style targets");
  p.tiled = p.tiles.has_value();
  p.content = to_vgg_input(p.content_image, p.image_device());
  for (const Image& s : style_images) p.styles.push_back(to_vgg_input(s, p.image_device()));
  p.style_images = std::move(style_images);
  p.style_blend = o.style_blend_weights;
  if (p.style_blend.empty()) p.style_blend.assign(p.styles.size(), 1.0f);
  p.user_weights = UserLossWeights{o.content_weight, o.style_weight, o.tv_weight, o.style_layer_weights};
  p.weights = objective_weights(p.user_weights, p.content_taps, p.style_taps, p.content.dim(2), p.content.dim(3));
  if (!p.tiled)
    p.objective = std::make_unique<StyleObjective>(*p.net, p.content_taps, p.style_taps, p.content, p.styles,
                                                   p.style_blend, p.weights);
  return p;
}

void set_problem_size(StyleProblem& p, const Options& o, ImageSize size, bool tiled) {
  if (p.content.dim(2) == size.height && p.content.dim(3) == size.width && p.tiled == tiled) return;
  set_run_step("computing the content and style targets at " + std::to_string(size.width) + "x" +
               std::to_string(size.height) + " px");
  p.objective.reset();  // its targets, before the new ones are made
  p.tiled = tiled;
  p.content = to_vgg_input(resize(p.content_image, size.width, size.height), p.image_device());
  const int style_longer_side = style_side(std::max(size.width, size.height), o.style_scale);
  p.styles.clear();
  for (const Image& s : p.style_images)
    p.styles.push_back(to_vgg_input(resize_longer_side(s, style_longer_side), p.image_device()));
  std::printf("image: %dx%d, style%s:", size.width, size.height, p.styles.size() > 1 ? "s" : "");
  for (const Tensor& s : p.styles)
    std::printf(" %lldx%lld", static_cast<long long>(s.dim(3)), static_cast<long long>(s.dim(2)));
  std::printf("\n");
  p.weights = objective_weights(p.user_weights, p.content_taps, p.style_taps, p.content.dim(2), p.content.dim(3));
  if (!tiled)
    p.objective = std::make_unique<StyleObjective>(*p.net, p.content_taps, p.style_taps, p.content, p.styles,
                                                   p.style_blend, p.weights);
}

std::unique_ptr<Optimizer> make_optimizer(const Options& o, float lbfgs_initial_inverse_hessian) {
  if (o.optimizer == "adam") {
    AdamOptions adam;
    adam.learning_rate = o.learning_rate.value_or(adam.learning_rate);
    if (o.pixel_bounds == "on") adam.bounds = vgg_input_bounds();
    return std::make_unique<Adam>(adam);
  }
  LbfgsOptions lbfgs;
  lbfgs.history_size = o.lbfgs_history;
  lbfgs.learning_rate = o.learning_rate.value_or(lbfgs.learning_rate);
  lbfgs.line_search = parse_lbfgs_line_search(o.lbfgs_line_search);
  lbfgs.initial_inverse_hessian = lbfgs_initial_inverse_hessian;
  if (o.pixel_bounds == "on") lbfgs.bounds = vgg_input_bounds();
  return std::make_unique<Lbfgs>(lbfgs);
}

Tensor initial_image(const Options& o, const StyleProblem& problem) {
  if (o.init == "content") return problem.content.clone();
  return initial_image(o, problem, {int(problem.content.dim(3)), int(problem.content.dim(2))});
}

Tensor initial_image(const Options& o, const StyleProblem& problem, ImageSize size) {
  if (o.init == "content")
    return to_vgg_input(resize(problem.content_image, size.width, size.height), problem.image_device());
  if (o.init == "random") {
    // Uniform noise around the mean pixel (0 in VGG's input space), from the seed alone.
    std::mt19937 rng(o.seed);
    std::uniform_real_distribution<float> noise(-20.0f, 20.0f);
    std::vector<float> values(std::size_t(3) * std::size_t(size.width) * std::size_t(size.height));
    for (float& v : values) v = noise(rng);
    return Tensor::from_host({1, 3, size.height, size.width}, values, problem.image_device());
  }
  return to_vgg_input(resize(read_image(o.init), size.width, size.height), problem.image_device());
}

}  // namespace nst
