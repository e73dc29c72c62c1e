#include "apps/options.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <limits>
#include <sstream>

#include <CLI/CLI.hpp>

#include "apps/run_memory.h"
#include "apps/version.h"
#include "engine/error.h"
#include "layers/taps.h"

namespace nst {

namespace {

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) items.push_back(item);
  return items;
}

// The largest loss weight (and product --style-weight × a --style-layer-weights entry λ_l) accepted.
// J and its gradient are float32 sums (FLT_MAX ≈ 3.4e38); the unweighted style term of a real
// image starts near 1e7 (tubingen on starry_night, 32 px), so at 1e10 J starts near 1e17 and the
// squared gradient norms L-BFGS takes stay far from overflow. Only the ratios of the weights shape
// the image, so nothing useful lies beyond. No bound makes every run finite (L-BFGS without a
// line search can still diverge): the run itself stops when its loss or image turns non-finite.
constexpr double kMaxLossWeight = 1e10;
// The largest step: pixels span 255 (VGG input units), so one Adam step of 1e4 already throws
// every pixel far outside the image's range; larger ones overflow the network's activations.
constexpr double kMaxLearningRate = 1e4;

std::string format_number(double value) {
  std::ostringstream out;
  out << value;  // %g-like: never DBL_MAX's 309 digits
  return out.str();
}

// Why `value` is not a finite number in [low, high] (in (low, high] when !low_allowed); empty when
// it is. NaN compares false with every bound, so plain range checks (CLI11's included) let it in.
std::string number_problem(double value, double low, double high, bool low_allowed = true) {
  if (!std::isfinite(value)) return format_number(value) + " is not a finite number";
  if (value < low || (!low_allowed && value == low))
    return format_number(value) + (low_allowed ? " is below " : " must be above ") + format_number(low) +
           (low_allowed && low == 0 ? " (must not be negative)" : "");
  if (value > high) return format_number(value) + " is above the maximum " + format_number(high);
  return "";
}

// Why `text` is not a finite number in [low, high] (see number_problem), read as double first, so
// 1e39 is "above the maximum" rather than a float overflowed to inf; empty when it is, with `value`.
std::string number_text_problem(const std::string& text, double& value, double low, double high,
                                bool low_allowed = true) {
  if (!CLI::detail::lexical_cast(text, value)) return "'" + text + "' is not a number";
  return number_problem(value, low, high, low_allowed);
}

// A CLI11 check for a float option.
CLI::Validator finite_in(double low, double high, bool low_allowed = true) {
  return CLI::Validator(
      [=](std::string& text) {
        double value = 0;
        return number_text_problem(text, value, low, high, low_allowed);
      },
      (low_allowed ? "[" : "(") + format_number(low) + " - " + format_number(high) + "]");
}

// "0.5,1,2" → floats, each finite in [0, high]; a malformed or out-of-range number is a usage
// error naming the option.
std::vector<float> parse_floats(const std::string& text, const std::string& option, double high) {
  std::vector<float> values;
  for (const std::string& item : split_list(text)) {
    double value = 0;
    const std::string problem = number_text_problem(item, value, 0, high);
    if (!problem.empty()) throw CLI::ValidationError(option, problem);
    values.push_back(static_cast<float>(value));
  }
  return values;
}

// A count option of at most INT_MAX (not CLI::NonNegativeNumber: its error prints its bound,
// DBL_MAX, as 309 digits).
void add_count_option(CLI::App& app, const std::string& name, int& value, const std::string& description) {
  app.add_option(name, value, description)
      ->capture_default_str()
      ->check(CLI::Range(0, std::numeric_limits<int>::max()));
}

// β·λ_l = style_weight · λ_l (docs in layers/loss_weights.h): each factor may be in range while
// their product is not.
void check_style_weight_products(const Options& o) {
  for (const float w : o.style_layer_weights)
    if (static_cast<double>(o.style_weight) * w > kMaxLossWeight)
      throw CLI::ValidationError("--style-layer-weights", "--style-weight " + format_number(o.style_weight) + " × " +
                                                              format_number(w) + " is above the maximum " +
                                                              format_number(kMaxLossWeight));
}

// The comma-separated options of add_objective_options, split and checked (CLI::ValidationError).
void split_objective_lists(const OptionLists& lists, Options& o) {
  o.styles = split_list(lists.styles);
  for (const auto& s : o.styles)
    if (s.empty()) throw CLI::ValidationError("--style", "empty file name in '" + lists.styles + "'");
  if (!lists.style_blend_weights.empty()) {
    o.style_blend_weights = parse_floats(lists.style_blend_weights, "--style-blend-weights", kMaxLossWeight);
    if (o.style_blend_weights.size() != o.styles.size())
      throw CLI::ValidationError("--style-blend-weights", std::to_string(o.styles.size()) + " style images but " +
                                                              std::to_string(o.style_blend_weights.size()) +
                                                              " weights");
  }
  if (!lists.style_layer_weights.empty())
    o.style_layer_weights = parse_floats(lists.style_layer_weights, "--style-layer-weights", kMaxLossWeight);
  check_style_weight_products(o);
}

// The options that must agree with each other, checked once all are parsed (CLI::ValidationError).
void check_option_combinations(const Options& o) {
  if (o.start_size > o.image_size)
    throw CLI::ValidationError("--start-size",
                               std::to_string(o.start_size) + " is above --image-size " + std::to_string(o.image_size));
  if (o.scales == 1 && o.start_size > 0 && o.start_size < o.image_size)
    throw CLI::ValidationError("--start-size", "--scales 1 leaves no room for a first scale of " +
                                                   std::to_string(o.start_size) + " px below --image-size " +
                                                   std::to_string(o.image_size));
  try {
    scale_schedule(scale_request(o, {o.image_size, o.image_size}));
  } catch (const Error& e) {
    throw CLI::ValidationError("--scales", e.message());
  }
  std::string ext = std::filesystem::path(o.output).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (o.bit_depth == 16 && ext != ".png")
    throw CLI::ValidationError("--bit-depth",
                               "16 bits need a PNG output; JPEG holds 8 bits a channel (" + o.output + ")");
}

}  // namespace

ScaleRequest scale_request(const Options& o, ImageSize final_size) {
  return ScaleRequest{final_size, o.scales, o.start_size, o.iterations, o.last_scale_iterations};
}

void add_network_options(CLI::App& app, Options& o) {
  app.add_option("--image-size", o.image_size,
                 "Longer side of the output in pixels (" + default_run_memory_note() + ")")
      ->capture_default_str()
      ->check(CLI::Range(16, kMaxImageSize));
  app.add_option("--max-memory", o.max_memory,
                 "The most memory a run may take on its device (host RAM on the CPU), e.g. 24G, 800M (binary "
                 "units; default: what the device has available, less 10%). A run whose estimated peak is larger is "
                 "optimised in overlapping tiles that each fit (docs/MATH.md section 10)")
      ->option_text("SIZE")
      ->check([](const std::string& text) {
        std::string problem;
        parse_memory_size(text, &problem);
        return problem;
      });
  app.add_option("--pooling", o.pooling,
                 "VGG pooling: max or avg (avg makes the style term ~30-70x smaller at the same weights: raise "
                 "--style-weight to match max's look)")
      ->capture_default_str()
      ->check(CLI::IsMember({"max", "avg"}));
  app.add_option("--device", o.device, "auto (CUDA when a GPU is usable), cpu or cuda")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app.add_option("--conv-math", o.conv_math,
                 "GPU only: the arithmetic of the convolutions and Gram matrices, both directions: fp32 (CUDA "
                 "cores), tf32 (tensor cores, ~1e-3 relative error) or 3xtf32 (tensor cores in three passes, "
                 "FP32-level error)")
      ->capture_default_str()
      ->check(CLI::IsMember({"fp32", "tf32", "3xtf32"}));
  app.add_flag_callback(
      "--tf32", [&o] { o.conv_math = "tf32"; }, "GPU only: the same as --conv-math tf32");
  app.add_option("--weights", o.weights,
                 "Keras VGG19 weights (.h5); default $NST_WEIGHTS, then the first of <exe_dir>/../weights/, "
                 "<exe_dir>/weights/, $XDG_DATA_HOME/nst/ (~/.local/share/nst/) and ./weights/ that holds "
                 "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5");
}

GemmMath conv_math_of(const Options& o) {
  if (o.conv_math == "fp32") return GemmMath::fp32;
  if (o.conv_math == "tf32") return GemmMath::tf32;
  NST_CHECK(o.conv_math == "3xtf32", "--conv-math " << o.conv_math << " is not one of fp32, tf32, 3xtf32");
  return GemmMath::tf32x3;
}

void add_objective_options(CLI::App& app, Options& o, OptionLists& lists) {
  app.add_option("--content", o.content, "Content image (PNG or JPEG)")->required();
  app.add_option("--style", lists.styles, "Style image(s), comma-separated: S1[,S2,...]")->required();
  app.add_option("--style-blend-weights", lists.style_blend_weights,
                 "Weights of the style images, comma-separated, each in [0, 1e10] (default: equal)");
  app.add_option("--style-scale", o.style_scale, "Size of the style images relative to --image-size")
      ->capture_default_str()
      ->check(finite_in(0.05, 8.0));
  app.add_option("--content-weight", o.content_weight, "alpha: weight of the content loss")
      ->capture_default_str()
      ->check(finite_in(0, kMaxLossWeight));
  app.add_option("--style-weight", o.style_weight, "beta: weight of the style loss")
      ->capture_default_str()
      ->check(finite_in(0, kMaxLossWeight));
  app.add_option("--tv-weight", o.tv_weight, "gamma: weight of the total-variation smoothing loss")
      ->capture_default_str()
      ->check(finite_in(0, kMaxLossWeight));
  app.add_option("--content-layers", o.content_layers,
                 "Content layers, comma-separated (default relu4_2; relu4_1 when the weights stop earlier). "
                 "Layer names: " +
                     valid_tap_names());
  app.add_option("--style-layers", o.style_layers,
                 "Style layers, comma-separated (default relu1_1,relu2_1,relu3_1,relu4_1,relu5_1, those the "
                 "weights have); the same names");
  app.add_option("--style-layer-weights", lists.style_layer_weights,
                 "Per-style-layer weights lambda_l, comma-separated, one per style layer, each in [0, 1e10] with "
                 "style-weight*lambda_l <= 1e10 (default: all 1)");
  app.add_option("--init", o.init, "Start from: content, random, or an image file")->capture_default_str();
  app.add_option("--seed", o.seed, "Seed for --init random (same seed and device: same image)")->capture_default_str();
}

bool parse_command_line(CLI::App& app, int argc, char** argv, Options& o, const OptionLists* lists, int& exit_code) {
  app.set_version_flag("--version", version_text(), "Print the version and the git commit, and exit");
  try {
    app.parse(argc, argv);
    if (lists) split_objective_lists(*lists, o);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return false;
  }
  return true;
}

ProblemOptions::ProblemOptions(CLI::App& app, Options& o) : app_(app), options_(o) {
  add_objective_options(app, o, lists_);
  add_network_options(app, o);
}

bool ProblemOptions::parse(int argc, char** argv, int& exit_code) {
  return parse_command_line(app_, argc, argv, options_, &lists_, exit_code);
}

std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
  Options o;
  CLI::App app{
      "nst: neural style transfer (Gatys, Ecker & Bethge 2015) on VGG19.\n"
      "Repaints the content image in the style of the style image(s) by gradient descent on\n"
      "  J = content-weight * mean((F - P)^2)\n"
      "    + style-weight * sum_l lambda_l * mean(((G_l - A_l) / (C_l*M_l))^2)\n"
      "    + tv-weight * TV(x)\n"
      "F, P: content-layer activations of the image and the content; G_l, A_l: Gram matrices of style\n"
      "layer l for the image and the (blended) style, C_l channels, M_l positions; lambda_l:\n"
      "--style-layer-weights; TV: half the sum of squared differences of neighbouring pixels\n"
      "(docs/MATH.md, section 2).\n"
      "Other commands (each with its own --help): nst explain (every term of J at the initial\n"
      "image, optionally dumped to HDF5), nst gradcheck (J's gradient against finite differences),\n"
      "nst visualize (feature maps, Gram matrices and loss curves as PNG), nst compare (how far apart\n"
      "two images are: PSNR, mean and largest difference).",
      "nst"};
  ProblemOptions problem(app, o);
  app.add_option("--output,-o", o.output, "Output image, .png or .jpg (written atomically)")->required();
  app.add_option("--bit-depth", o.bit_depth, "Bits per channel of a PNG output: 8 or 16 (JPEG: 8 only)")
      ->capture_default_str()
      ->check(CLI::IsMember({8, 16}));
  app.add_option("--iterations", o.iterations,
                 "Optimizer iterations at each scale (one forward+backward each; with --lbfgs-line-search "
                 "strong-wolfe, one or more)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000));
  app.add_option("--scales", o.scales,
                 "Coarse to fine: stylise at N sizes growing geometrically up to --image-size, each started from "
                 "its --init image plus the last one's change upsampled, L-BFGS from the last one's curvature "
                 "(default 1; with --start-size alone, steps of about 2x)")
      ->check(CLI::Range(1, 16));
  app.add_option("--start-size", o.start_size,
                 "Longer side of the first scale in pixels (default with --scales N: --image-size / 2^(N-1))")
      ->check(CLI::Range(kMinScaleSide, kMaxImageSize));
  app.add_option("--last-scale-iterations", o.last_scale_iterations,
                 "Iterations at the last scale alone (default: --iterations)")
      ->check(CLI::Range(0, 1000000));
  app.add_option("--max-evaluations", o.max_evaluations,
                 "Stop once the objective has been evaluated this often, at each scale (each one forward and "
                 "backward pass; 0: no limit)")
      ->capture_default_str()
      ->check(CLI::Range(0LL, 1000000000LL));
  app.add_option("--optimizer", o.optimizer, "lbfgs or adam")
      ->capture_default_str()
      ->check(CLI::IsMember({"lbfgs", "adam"}));
  app.add_option("--learning-rate", o.learning_rate, "Step size (default: 1 for lbfgs, 10 for adam)")
      ->check(finite_in(0, kMaxLearningRate, false));
  app.add_option("--lbfgs-history", o.lbfgs_history, "L-BFGS: number of (s, y) pairs kept")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--lbfgs-line-search", o.lbfgs_line_search,
                 "L-BFGS: none (steps of length --learning-rate) or strong-wolfe (torch.optim.LBFGS's: trial steps "
                 "until the loss falls enough and the slope flattens; decided on the device, the host reads one "
                 "number per trial, so no CUDA graph). From --init random, strong-wolfe avoids the steps that "
                 "overshoot; from the content both reach the same loss in the same time (bench/RESULTS.md)")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "strong-wolfe"}));
  app.add_option("--pixel-bounds", o.pixel_bounds,
                 "on: keep every value of the image being optimised within what a picture holds (0-255 per "
                 "channel): values held at 0 or 255 that the gradient pushes further out stay put, each step "
                 "(and the line search's path) is projected onto the range, so the picture written is the one "
                 "optimised. off: values may stray outside and are clamped only when written (neural-style's "
                 "way), which can leave the written picture's loss well above the one printed "
                 "(bench/RESULTS.md, \"Pixel bounds\")")
      ->capture_default_str()
      ->check(CLI::IsMember({"on", "off"}));
  app.add_option("--keep", o.keep,
                 "Which image to write: best (the lowest loss evaluated, chosen on the device), ema (an "
                 "exponential moving average of the iterates, decay 0.99) or last")
      ->capture_default_str()
      ->check(CLI::IsMember({"best", "ema", "last"}));
  app.add_flag("--original-colors", o.original_colors, "Keep the content's colours: transfer luminance only (YIQ)");
  add_count_option(app, "--print-every", o.print_every, "Print the losses every N iterations (0: only at the end)");
  add_count_option(app, "--save-every", o.save_every,
                   "Every N iterations also write a checkpoint (0: never): the image, named <stem>_<iteration><ext> "
                   "beside the output (-o out.png writes out_100.png, out_200.png, ...; over several scales "
                   "<stem>_s<scale>_<iteration><ext>: out_s1_100.png, ...), and, for --resume, the same name with "
                   ".nstate (the image as floats, the scale, the optimizer's state and that of the image --keep "
                   "gives back; only the latest is kept). A tiled scale (see --max-memory) saves at the end of each "
                   "pass that reaches a multiple of N, its iteration passes*iterations/--tile-passes");
  app.add_option("--resume", o.resume,
                 "Continue the run saved in CHECKPOINT (a .nstate of --save-every) at its scale up to "
                 "--iterations (then the scales after it), with the same bits as a run that never stopped (on the "
                 "CPU); the other options "
                 "and input files must be those of the saved run")
      ->option_text("CHECKPOINT");
  app.add_option("--loss-log", o.loss_log,
                 "Write the losses of every iteration to this CSV file (iteration,total,content,style,tv; "
                 "for nst visualize --loss-plot). Reads them back each iteration: slower on a GPU");
  app.add_option("--tile-passes", o.tile_passes,
                 "A tiled run (see --max-memory): passes over the tiles, each visiting every tile in turn "
                 "with --iterations/passes iterations, so that the seams converge")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--tile-size", o.tile_size,
                 "Optimise in tiles whose cores are this many pixels on a side (rounded down to the deepest "
                 "layer's stride), even when the run would fit whole (0: tiles only over --max-memory, as large "
                 "as fit)")
      ->capture_default_str()
      ->check(CLI::Range(0, kMaxImageSize));
  app.add_flag("--cuda-graph", o.cuda_graph,
               "GPU and lbfgs without line search only: from the third iteration on, replay one recorded "
               "iteration as a CUDA "
               "graph (one launch instead of one per kernel; same results bit for bit)");
  if (!problem.parse(argc, argv, exit_code)) return std::nullopt;
  try {
    check_option_combinations(o);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return std::nullopt;
  }
  return o;
}

}  // namespace nst
