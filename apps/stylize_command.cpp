#include "apps/stylize_command.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "apps/image.h"
#include "apps/loss_log.h"
#include "apps/output_checks.h"
#include "apps/output_file.h"
#include "apps/progress.h"
#include "apps/resume.h"
#include "apps/run_settings.h"
#include "apps/run_step.h"
#include "apps/signals.h"
#include "apps/style_problem.h"
#include "apps/vgg_image.h"
#include "engine/error.h"
#include "engine/gpu.h"
#include "layers/adam.h"
#include "layers/kept_image.h"
#include "layers/lbfgs.h"
#include "layers/stylizer.h"

namespace nst {

namespace {

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

// "out.png", 100 → "out_100.png"
std::string checkpoint_path(const std::string& output, int iteration) {
  std::filesystem::path p(output);
  const std::string stem = p.stem().string() + "_" + std::to_string(iteration) + p.extension().string();
  return (p.parent_path() / stem).string();
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
  check_output_is_no_input(o, "--output", o.output);
  if (!o.loss_log.empty()) {
    check_loss_log_path(o.loss_log);
    check_output_is_no_input(o, "--loss-log", o.loss_log);
    NST_CHECK(!same_file(o.loss_log, o.output), "--loss-log " << o.loss_log << " is the same file as --output");
  }
  StyleProblem problem = build_style_problem(o);
  const Device device = problem.device;
  const Image& content_image = problem.content_image;
  StyleObjective& objective = *problem.objective;
  Tensor x = initial_image(o, problem);
  std::optional<LossLog> loss_log;  // created once the inputs are known good
  if (!o.loss_log.empty()) loss_log.emplace(o.loss_log);
  const std::unique_ptr<Optimizer> optimizer = make_optimizer(o);
  std::optional<StateSaver> state_saver;
  int done = 0;  // iterations done before this run: those of the checkpoint resumed
  if (o.save_every > 0 || !o.resume.empty()) {
    Options as_run = o;
    as_run.weights = problem.weights_path;  // the file found, when --weights was not given
    RunSettings settings =
        run_settings(as_run, device, problem.content, problem.styles, problem.content_taps, problem.style_taps);
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
    if (report || loss_log) losses = objective.read_losses();
    if (loss_log) loss_log->record(iteration, *losses);
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
