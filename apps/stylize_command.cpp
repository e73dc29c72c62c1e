#include "apps/stylize_command.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "apps/image.h"
#include "apps/image_size_check.h"
#include "apps/layer_choice.h"
#include "apps/output_file.h"
#include "apps/progress.h"
#include "apps/resume.h"
#include "apps/run_memory.h"
#include "apps/run_settings.h"
#include "apps/run_step.h"
#include "apps/signals.h"
#include "apps/vgg_image.h"
#include "engine/error.h"
#include "engine/gpu.h"
#include "layers/adam.h"
#include "layers/kept_image.h"
#include "layers/lbfgs.h"
#include "layers/loss_weights.h"
#include "layers/stylizer.h"
#include "weights/default_weights_path.h"
#include "weights/vgg19_weights.h"

namespace nst {

namespace {

// The style term of the demo pair's content image, max pooling over average pooling, at 512 and
// 64 px (bench/RESULTS.md, issue 13), and the boost of --style-weight that nst suggests for avg.
constexpr double kAveragePoolingStyleRatio[2] = {28, 71};
constexpr double kAveragePoolingStyleBoost = 30;

Device choose_device(const std::string& requested) {
  if (requested == "cpu") return Device::cpu;
  if (requested == "cuda") {
    NST_CHECK(cuda_available(), "--device cuda: " << cuda_unavailable_reason());
    return Device::cuda;
  }
  return cuda_available() ? Device::cuda : Device::cpu;
}

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

// Fail before the run, not after it, when the output (or a checkpoint beside it) could not be written.
void check_output_path(const std::string& path) {
  const std::string ext = lower_extension(path);
  NST_CHECK(ext == ".png" || ext == ".jpg" || ext == ".jpeg",
            "output " << path << ": the name must end in .png, .jpg or .jpeg");
  check_output_writable(path);
}

// Whether `a` and `b` name one file: the same inode (through a symlink or hard link), or the same
// path once `.`, `..` and symlinks are resolved (for a file not there yet).
bool same_file(const std::string& a, const std::string& b) {
  std::error_code error;
  if (std::filesystem::equivalent(a, b, error)) return true;
  const std::filesystem::path real_a = std::filesystem::weakly_canonical(a, error);
  if (error) return false;
  const std::filesystem::path real_b = std::filesystem::weakly_canonical(b, error);
  return !error && real_a == real_b;
}

// The output is written over whatever has its name: never let that be the user's photo.
void check_output_is_no_input(const Options& o) {
  std::vector<std::pair<std::string, std::string>> inputs{{"--content", o.content}};
  for (const std::string& style : o.styles) inputs.emplace_back("--style", style);
  if (o.init != "content" && o.init != "random") inputs.emplace_back("--init", o.init);
  for (const auto& [option, path] : inputs)
    NST_CHECK(!same_file(o.output, path), "--output " << o.output << " is the same file as " << option << " " << path
                                                      << ": the run would overwrite it; choose another output name");
}

// "out.png", 100 → "out_100.png"
std::string checkpoint_path(const std::string& output, int iteration) {
  std::filesystem::path p(output);
  const std::string stem = p.stem().string() + "_" + std::to_string(iteration) + p.extension().string();
  return (p.parent_path() / stem).string();
}

Tensor initial_image(const Options& o, const Tensor& content, const Image& content_image, Device device) {
  if (o.init == "content") return content.clone();
  if (o.init == "random") {
    // Uniform noise around the mean pixel (0 in VGG's input space), from the seed alone.
    std::mt19937 rng(o.seed);
    std::uniform_real_distribution<float> noise(-20.0f, 20.0f);
    std::vector<float> values(static_cast<std::size_t>(content.numel()));
    for (float& v : values) v = noise(rng);
    return Tensor::from_host(content.shape(), values, device);
  }
  return to_vgg_input(resize(read_image(o.init), content_image.width, content_image.height), device);
}

// Thrown by the progress callback to leave the loop when SIGINT or SIGTERM arrived.
struct StopRequested {
  int iteration;
};

// What an interrupted run tells the user it kept: the checkpoint of `saved` (0: none).
std::string interrupted_message(int signal, int iteration, int iterations, int saved, const std::string& output) {
  return "interrupted by " + signal_name(signal) + " after iteration " + std::to_string(iteration) + " of " +
         std::to_string(iterations) + "; " +
         (saved == 0 ? std::string("nothing was written")
                     : "kept the last checkpoint, " + checkpoint_path(output, saved) + " (continue with --resume " +
                           state_path(output, saved) + "); " + output + " was not written");
}

// Thrown by the progress callback to leave the loop once the run has turned non-finite: from
// there on every image would be NaN or inf, written as black.
struct NonFiniteRun {
  int iteration;
  std::string what;
};

bool is_finite(const Tensor& host) {
  const float* values = host.data();
  return std::all_of(values, values + host.numel(), [](float v) { return std::isfinite(v); });
}

std::string describe_losses(const LossValues& l) {
  char text[160];
  std::snprintf(text, sizeof text, "total %g: content %g, style %g, tv %g", l.total, l.content, l.style, l.tv);
  return text;
}

// Which image was written, for the last line of the log.
std::string describe_kept_image(KeepImage keep, const LoopReport& loop) {
  if (keep == KeepImage::average)
    return "the average of the iterates (ema, decay " + std::to_string(kIterateAverageDecay).substr(0, 4) +
           ") through iteration " + std::to_string(loop.kept_iteration);
  if (keep == KeepImage::last) return "the last image, after iteration " + std::to_string(loop.kept_iteration);
  const std::string which =
      "the lowest-loss image evaluated (evaluation " + std::to_string(loop.kept_evaluation) + "), ";
  if (loop.kept_after_iterations < 0)
    return which + "a line-search trial in iteration " + std::to_string(loop.kept_iteration);
  if (loop.kept_after_iterations == 0) return which + "the initial image";
  return which + "the image after iteration " + std::to_string(loop.kept_after_iterations);
}

std::unique_ptr<Optimizer> make_optimizer(const Options& o) {
  if (o.optimizer == "adam") {
    AdamOptions adam;
    adam.learning_rate = o.learning_rate.value_or(adam.learning_rate);
    return std::make_unique<Adam>(adam);
  }
  LbfgsOptions lbfgs;
  lbfgs.history_size = o.lbfgs_history;
  lbfgs.learning_rate = o.learning_rate.value_or(lbfgs.learning_rate);
  lbfgs.line_search = parse_lbfgs_line_search(o.lbfgs_line_search);
  return std::make_unique<Lbfgs>(lbfgs);
}

}  // namespace

void run_stylize_command(const Options& o) {
  install_stop_signal_handlers();
  check_output_path(o.output);
  check_output_is_no_input(o);
  const Device device = choose_device(o.device);
  std::printf("device: %s\n", device == Device::cuda ? ("cuda, " + cuda_device_description()).c_str() : "cpu");

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
  const Image content_image =
      resized("the content image", o.content, read("the content image", o.content), o.image_size);
  std::vector<Image> style_images;  // as read; resized once the run is known to fit in memory
  for (const std::string& path : o.styles) style_images.push_back(read("the style image", path));

  const std::string weights = find_weights_file(WeightsSearchPlaces::from_environment(o.weights));
  set_run_step("loading the weights " + weights);
  const int available = count_vgg19_conv_layers(weights);
  const LayerChoice defaults = default_layers(available);
  const std::vector<Tap> content_taps =
      parse_taps(o.content_layers.empty() ? defaults.content_layers : o.content_layers);
  const std::vector<Tap> style_taps = parse_taps(o.style_layers.empty() ? defaults.style_layers : o.style_layers);
  std::printf("weights: %s (%d of VGG19's 16 conv layers)\n", weights.c_str(), available);
  std::printf("content layers: %s\nstyle layers: %s\n", join_tap_names(content_taps).c_str(),
              join_tap_names(style_taps).c_str());
  std::vector<ImageSize> style_originals;
  for (const Image& s : style_images) style_originals.push_back({s.width, s.height});
  check_run_memory(o, {content_image.width, content_image.height}, style_originals, content_taps, style_taps, device);
  for (std::size_t i = 0; i < style_images.size(); ++i)
    style_images[i] = resized("the style image", o.styles[i], style_images[i], style_side(o.image_size, o.style_scale));
  std::printf("image: %dx%d, style%s:", content_image.width, content_image.height, o.styles.size() > 1 ? "s" : "");
  for (const Image& s : style_images) std::printf(" %dx%d", s.width, s.height);
  std::printf("\n");

  if (o.pooling == "avg")
    std::printf(
        "note: with --pooling avg the style term is %.0f-%.0fx smaller than with max pooling at the same "
        "weights (measured on the demo pair, docs/MATH.md section 1), so the picture comes out less stylised; "
        "--style-weight %g (%.0fx) restores the balance max pooling starts with (at 256-512 px)\n",
        kAveragePoolingStyleRatio[0], kAveragePoolingStyleRatio[1], o.style_weight * kAveragePoolingStyleBoost,
        kAveragePoolingStyleBoost);
  std::vector<Tap> all_taps = content_taps;
  all_taps.insert(all_taps.end(), style_taps.begin(), style_taps.end());
  const Tap& deepest = *std::max_element(all_taps.begin(), all_taps.end(),
                                         [](const Tap& a, const Tap& b) { return a.conv_index < b.conv_index; });
  check_images_reach(deepest, run_images, o.image_size, o.style_scale, kMaxImageSize);
  if (o.tf32 && device == Device::cpu) std::printf("note: --tf32 has no effect on the CPU, which computes in FP32\n");
  Vgg19 net = Vgg19::from_file(weights, o.pooling == "avg" ? ops::PoolKind::avg : ops::PoolKind::max, device, all_taps,
                               o.tf32 ? ops::ConvMath::tf32 : ops::ConvMath::fp32);

  set_run_step("computing the content and style targets");
  const Tensor content = to_vgg_input(content_image, device);
  std::vector<Tensor> styles;
  for (const Image& s : style_images) styles.push_back(to_vgg_input(s, device));
  std::vector<float> blend = o.style_blend_weights;
  if (blend.empty()) blend.assign(styles.size(), 1.0f);
  const UserLossWeights user_weights{o.content_weight, o.style_weight, o.tv_weight, o.style_layer_weights};
  StyleObjective objective(net, content_taps, style_taps, content, styles, blend,
                           objective_weights(user_weights, content_taps, style_taps, content.dim(2), content.dim(3)));

  Tensor x = initial_image(o, content, content_image, device);
  const std::unique_ptr<Optimizer> optimizer = make_optimizer(o);
  std::optional<StateSaver> state_saver;
  int done = 0;  // iterations done before this run: those of the checkpoint resumed
  if (o.save_every > 0 || !o.resume.empty()) {
    Options as_run = o;
    as_run.weights = weights;  // the file found, when --weights was not given
    RunSettings settings = run_settings(as_run, device, content, styles, content_taps, style_taps);
    if (!o.resume.empty()) done = resume_from(o.resume, settings, o.iterations, x, *optimizer);
    if (o.save_every > 0) state_saver.emplace(o.output, std::move(settings));
  }
  std::printf("optimizer: %s%s, %d iterations, keep %s\n", optimizer->name().c_str(),
              o.optimizer == "lbfgs" ? (" (line search " + o.lbfgs_line_search + ")").c_str() : "", o.iterations,
              o.keep.c_str());
  if (done > 0) std::printf("resumed from %s after iteration %d\n", o.resume.c_str(), done);
  std::fflush(stdout);

  auto to_output_image = [&](const Tensor& t) {
    const Image image = from_vgg_input(t);
    return o.original_colors ? keep_original_colors(image, content_image) : image;
  };
  // The loss is read for the progress line and the image at save points and at the end; both are
  // checked there, so a run that overflows stops without any read the loop did not already make.
  set_run_step("running the optimisation");
  LastFiniteImage last_finite(x);
  int last_saved = 0;  // the iteration of the last checkpoint written, 0: none
  ProgressReporter progress(o.iterations, stderr, isatty(fileno(stderr)) != 0, done + 1);
  const auto after_iteration = [&](int iteration, const Tensor& image) {
    if (stop_signal() != 0) throw StopRequested{iteration};
    const bool report = (o.print_every > 0 && iteration % o.print_every == 0) || iteration == o.iterations;
    std::optional<LossValues> losses;
    if (report) losses = objective.read_losses();
    progress.update(iteration, losses);
    if (losses && !last_finite.losses_read(iteration, losses_are_finite(*losses), image))
      throw NonFiniteRun{iteration, "the loss turned non-finite (" + describe_losses(*losses) + ")"};
    if (o.save_every > 0 && iteration % o.save_every == 0 && iteration != o.iterations) {
      const Tensor host = image.to(Device::cpu);
      if (!is_finite(host)) throw NonFiniteRun{iteration, "the image turned non-finite"};
      last_finite.finite_image(iteration, image);
      write_image(to_output_image(host), checkpoint_path(o.output, iteration));
      state_saver->save(iteration, host, *optimizer);
      last_saved = iteration;
    }
  };
  LoopReport loop;
  const StopSignalsDeferred stop_after_an_iteration;  // a checkpoint or the output is written whole
  try {
    loop = stylize(objective, *optimizer, x, o.iterations, after_iteration,
                   LoopOptions{o.cuda_graph, done + 1, parse_keep_image(o.keep), o.max_evaluations});
    const Tensor result = x.to(Device::cpu);
    if (!is_finite(result)) throw NonFiniteRun{o.iterations, "the image turned non-finite"};
    progress.finish();
    write_image(to_output_image(result), o.output);
  } catch (const StopRequested& stop) {
    progress.finish();
    throw Interrupted(stop_signal(),
                      interrupted_message(stop_signal(), stop.iteration, o.iterations, last_saved, o.output));
  } catch (const NonFiniteRun& stop) {
    progress.finish();
    write_image(to_output_image(last_finite.image().to(Device::cpu)), o.output);
    NST_FAIL(stop.what << " at iteration " << stop.iteration << " of " << o.iterations << ", so the run stopped; "
                       << o.output << " holds the last finite image, "
                       << (last_finite.iteration() == 0 ? std::string("the initial one")
                                                        : "from iteration " + std::to_string(last_finite.iteration()))
                       << ". Smaller loss weights or --learning-rate may keep it finite");
  }
  std::printf("wrote %s: %s, %s (%.1f s, %lld evaluations, %.3f s/iteration)\n", o.output.c_str(),
              describe_kept_image(parse_keep_image(o.keep), loop).c_str(),
              describe_losses(objective.read_losses()).c_str(), progress.elapsed_seconds(),
              static_cast<long long>(loop.evaluations),
              loop.iterations > done ? progress.elapsed_seconds() / (loop.iterations - done) : 0.0);
  if (device == Device::cuda) {
    const CudaMemoryStats memory = cuda_memory_stats();
    std::printf("peak device memory %.1f MiB in use, %zu cudaMalloc calls in all\n",
                static_cast<double>(memory.peak_in_use_bytes) / (1024.0 * 1024.0), memory.device_allocations);
  }
  if (o.cuda_graph) {
    if (loop.replayed_iterations > 0)
      std::printf("CUDA graph: one iteration recorded (%zu nodes), replayed for iterations %d-%d\n", loop.graph_nodes,
                  loop.iterations - loop.replayed_iterations + 1, loop.iterations);
    else
      std::printf("CUDA graph not used: %s\n", loop.graph_not_used.c_str());
  }
}

}  // namespace nst
