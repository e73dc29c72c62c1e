#include "apps/stylize_command.h"

#include <algorithm>
#include <chrono>
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
#include "apps/image_size_check.h"
#include "apps/loss_log.h"
#include "apps/output_checks.h"
#include "apps/output_file.h"
#include "apps/progress.h"
#include "apps/resume.h"
#include "apps/run_settings.h"
#include "apps/run_step.h"
#include "apps/signals.h"
#include "apps/style_problem.h"
#include "apps/run_memory.h"
#include "apps/tiled_run.h"
#include "apps/vgg_image.h"
#include "engine/error.h"
#include "engine/gpu.h"
#include "layers/adam.h"
#include "layers/kept_image.h"
#include "layers/lbfgs.h"
#include "layers/scales.h"
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

// "iteration 30 of 100" or, over several scales, "iteration 30 of 100 of scale 2/3".
std::string describe_point(const RunPoint& point, int iterations) {
  return "iteration " + std::to_string(point.iteration) + " of " + std::to_string(iterations) +
         (point.scales > 1 ? " of scale " + std::to_string(point.scale) + "/" + std::to_string(point.scales) : "");
}

// Thrown by the progress callback to leave the loop when SIGINT or SIGTERM arrived.
struct StopRequested {
  RunPoint point;
  int iterations;  // of the scale
};

// What an interrupted run tells the user it kept: the checkpoint of `saved` (iteration 0: none).
std::string interrupted_message(int signal, const StopRequested& stop, const RunPoint& saved,
                                const std::string& output) {
  return "interrupted by " + signal_name(signal) + " after " + describe_point(stop.point, stop.iterations) + "; " +
         (saved.iteration == 0
              ? std::string("nothing was written")
              : "kept the last checkpoint, " + checkpoint_image_path(output, saved) + " (continue with --resume " +
                    state_path(output, saved) + "); " + output + " was not written");
}

// Thrown by the progress callback to leave the loop once the run has turned non-finite: from
// there on every image would be NaN or inf, written as black.
struct NonFiniteRun {
  RunPoint point;
  int iterations;  // of the scale
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
  if (loop.kept_before_resume)
    return which + "before the resume, at or before iteration " + std::to_string(loop.kept_iteration);
  if (loop.kept_after_iterations < 0)
    return which + "a line-search trial in iteration " + std::to_string(loop.kept_iteration);
  if (loop.kept_after_iterations == 0) return which + "the initial image";
  return which + "the image after iteration " + std::to_string(loop.kept_after_iterations);
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
  StyleProblem problem = build_style_problem(o, true);
  if (problem.tiles) check_tiled_options(o);  // the final scale is tiled (and any tiled scale is no larger)
  const Device device = problem.device;
  const std::vector<Scale> schedule =
      scale_schedule(scale_request(o, {problem.content_image.width, problem.content_image.height}));
  const int scales = static_cast<int>(schedule.size());
  std::optional<LossLog> loss_log;  // created once the inputs are known good
  if (!o.loss_log.empty()) loss_log.emplace(o.loss_log);
  std::unique_ptr<Optimizer> optimizer = make_optimizer(o);
  std::optional<StateSaver> state_saver;
  Tensor x = initial_image(o, problem);  // replaced below, but for its device
  RunPoint start{1, scales, 0};          // where this run starts: after the checkpoint resumed
  OptimizerState resumed_kept;           // the kept image's state in the checkpoint resumed
  if (o.save_every > 0 || !o.resume.empty()) {
    Options as_run = o;
    as_run.weights = problem.weights_path;  // the file found, when --weights was not given
    RunSettings settings = run_settings(as_run, device, problem.content, problem.styles, problem.content_taps,
                                        problem.style_taps, schedule);
    if (!o.resume.empty()) start = resume_from(o.resume, settings, schedule, x, *optimizer, resumed_kept);
    if (o.save_every > 0) state_saver.emplace(o.output, std::move(settings));
  }
  if (o.resume.empty() && scales > 1) {
    set_problem_size(problem, o, schedule.front().size);
    x = initial_image(o, problem);
  }
  std::printf("optimizer: %s%s, pixel bounds %s, %d iterations, keep %s\n", optimizer->name().c_str(),
              o.optimizer == "lbfgs" ? (" (line search " + o.lbfgs_line_search + ")").c_str() : "",
              o.pixel_bounds.c_str(), o.iterations, o.keep.c_str());
  if (scales > 1) {
    std::printf("scales: %d, coarse to fine:", scales);
    for (const Scale& scale : schedule) {
      std::printf(" %dx%d (style", scale.size.width, scale.size.height);
      for (const Image& s : problem.style_images) {
        const ImageSize style = longer_side_size(s.width, s.height, style_side(scale.longer_side(), o.style_scale));
        std::printf(" %dx%d", style.width, style.height);
      }
      std::printf(", %d iterations)", scale.iterations);
    }
    std::printf("\n");
  }
  if (start.iteration > 0)
    std::printf("resumed from %s after %s\n", o.resume.c_str(),
                describe_point(start, schedule[std::size_t(start.scale - 1)].iterations).c_str());
  std::fflush(stdout);

  set_run_step("running the optimisation");
  const KeepImage keep = parse_keep_image(o.keep);
  const auto run_start = std::chrono::steady_clock::now();
  const auto seconds_since = [](std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  };
  RunPoint last_saved{1, scales, 0};  // the last checkpoint written, iteration 0: none
  std::optional<ProgressReporter> progress;
  std::optional<LastFiniteImage> last_finite;
  Image content_colors;  // the content at the scale's size, for --original-colors
  auto to_output_image = [&](const Tensor& t) {
    const Image image = from_vgg_input(t);
    return o.original_colors ? keep_original_colors(image, content_colors) : image;
  };
  LoopReport loop;
  std::int64_t evaluations = 0;
  // One scale: its objective, a fresh optimizer (L-BFGS's pairs belong to one image size) unless it
  // is the scale resumed, and the loop. The loss is read for the progress line and the image at save
  // points and at the end; both are checked there, so a run that overflows stops without any read
  // the loop did not already make.
  bool last_scale_tiled = false;
  std::vector<ImageSize> style_sizes;  // at --image-size, for each scale's memory plan
  for (const Image& s : problem.style_images) style_sizes.push_back({s.width, s.height});
  const OptimiseScale optimise_scale = [&](const Scale& scale, Tensor& image) {
    const std::string label = scales > 1 ? "scale " + std::to_string(scale.index) + "/" + std::to_string(scales) +
                                               " (" + std::to_string(scale.size.width) + "x" +
                                               std::to_string(scale.size.height) + ") "
                                         : "";
    if (o.original_colors) content_colors = resize(problem.content_image, scale.size.width, scale.size.height);
    // Over the memory limit whole (or --tile-size): this scale in tiles, the image on the host.
    const std::optional<TilePlan> tiles =
        problem.tiles ? scale_tiles(o, scale.size, style_sizes, problem.content_taps, problem.style_taps, device)
                      : std::nullopt;
    const bool previous_scale_tiled = last_scale_tiled;
    last_scale_tiled = tiles.has_value();
    set_problem_size(problem, o, scale.size, last_scale_tiled);
    const int done = scale.index == start.scale ? start.iteration : 0;
    int log_offset = 0;  // the loss log counts iterations on across the scales
    for (int s = 0; s + 1 < scale.index; ++s) log_offset += schedule[std::size_t(s)].iterations;
    // A checkpoint continues only in the way it was saved: in tiles, or whole.
    NST_CHECK(done == 0 || tiles.has_value() == is_tiled_scale_state(resumed_kept),
              "checkpoint " << o.resume << " was saved " << (tiles ? "with the scale whole" : "in tiles")
                            << ", and this run optimises it " << (tiles ? "in tiles" : "whole")
                            << " (the tiles follow --tile-size and --max-memory): give the saved run's");
    if (tiles) {
      image = image.to(Device::cpu);
      progress.reset();  // a tiled scale reports its visits itself
      TiledScaleHooks hooks;
      if (done > 0) hooks.passes_done = tiled_passes_done(resumed_kept, tiles->layout, o.tile_passes, o.resume);
      const auto point_after = [&](int passes_done) {
        return RunPoint{scale.index, scales, tiled_iteration(passes_done, o.tile_passes, scale.iterations)};
      };
      hooks.after_pass = [&](int passes_done) {
        const RunPoint point = point_after(passes_done);
        const int before = tiled_iteration(passes_done - 1, o.tile_passes, scale.iterations);
        if (o.save_every == 0 || point.iteration / o.save_every == before / o.save_every) return;
        NST_CHECK(is_finite(image), "the tiled run's image turned non-finite in pass "
                                        << passes_done
                                        << ", so nothing was written; smaller loss weights or "
                                           "--learning-rate may keep it finite");
        write_image(to_output_image(image), checkpoint_image_path(o.output, point), o.bit_depth);
        state_saver->save_tiled(point, image, tiled_scale_state(tiles->layout, o.tile_passes, passes_done));
        last_saved = point;
      };
      hooks.stop = [&](int passes_done) { throw StopRequested{point_after(passes_done), scale.iterations}; };
      // The log's row i holds J at the image before iteration i: after the passes done, before the next.
      hooks.losses = [&](int passes_done, const LossValues& losses) {
        if (loss_log && passes_done < o.tile_passes)
          loss_log->record(log_offset + point_after(passes_done).iteration + 1, losses);
      };
      optimise_scale_in_tiles(o, problem, *tiles, image, scale.iterations, label, hooks);
      return;
    }
    image = image.to(device);
    StyleObjective& objective = *problem.objective;
    if (scale.index != start.scale) {
      // L-BFGS goes on with the curvature the previous scale measured, rescaled (layers/scales.h).
      const auto* previous = dynamic_cast<const Lbfgs*>(optimizer.get());
      const bool carry = previous != nullptr && !previous_scale_tiled && previous->stored_pairs() > 0;
      optimizer =
          make_optimizer(o, carry ? carried_inverse_hessian(previous->inverse_hessian_scale(),
                                                            schedule[std::size_t(scale.index - 2)].size, scale.size)
                                  : 0.0f);
    }
    progress.emplace(scale.iterations, stderr, isatty(fileno(stderr)) != 0, done + 1, label);
    last_finite.emplace(image);
    KeptImage kept(keep, image);
    if (done > 0) {
      try {
        kept.import_state(resumed_kept);
      } catch (const Error& e) {
        NST_FAIL("checkpoint " << o.resume << ": " << e.message());
      }
    }
    const auto after_iteration = [&](int iteration, const Tensor& current) {
      const RunPoint point{scale.index, scales, iteration};
      if (stop_signal() != 0) throw StopRequested{point, scale.iterations};
      const bool report = (o.print_every > 0 && iteration % o.print_every == 0) || iteration == scale.iterations;
      std::optional<LossValues> losses;
      if (report || loss_log) losses = objective.read_losses();
      if (loss_log) loss_log->record(log_offset + iteration, *losses);
      progress->update(iteration, losses);
      if (losses && !last_finite->losses_read(iteration, losses_are_finite(*losses), current))
        throw NonFiniteRun{point, scale.iterations, "the loss turned non-finite (" + describe_losses(*losses) + ")"};
      if (o.save_every > 0 && iteration % o.save_every == 0 && iteration != scale.iterations) {
        const Tensor host = current.to(Device::cpu);
        if (!is_finite(host)) throw NonFiniteRun{point, scale.iterations, "the image turned non-finite"};
        last_finite->finite_image(iteration, current);
        write_image(to_output_image(host), checkpoint_image_path(o.output, point), o.bit_depth);
        state_saver->save(point, host, *optimizer, kept);
        last_saved = point;
      }
    };
    const auto scale_start = std::chrono::steady_clock::now();
    loop = stylize(objective, *optimizer, image, kept, scale.iterations, after_iteration,
                   LoopOptions{o.cuda_graph, done + 1, keep, o.max_evaluations});
    evaluations += loop.evaluations;
    if (!is_finite(image.to(Device::cpu)))
      throw NonFiniteRun{{scale.index, scales, loop.iterations}, scale.iterations, "the image turned non-finite"};
    progress->finish();
    if (scales > 1)
      std::printf("scale %d/%d (%dx%d): %d iterations in %.1f s (%.3f s/iteration), kept %s: %s\n", scale.index, scales,
                  scale.size.width, scale.size.height, loop.iterations - done, seconds_since(scale_start),
                  loop.iterations > done ? seconds_since(scale_start) / (loop.iterations - done) : 0.0,
                  describe_kept_image(keep, loop).c_str(), describe_losses(objective.read_losses()).c_str());
    std::fflush(stdout);
  };
  const StopSignalsDeferred stop_after_an_iteration;  // a checkpoint or the output is written whole
  try {
    const InitialImage initial_at = [&](ImageSize size) { return initial_image(o, problem, size); };
    stylize_coarse_to_fine(schedule, std::size_t(start.scale - 1), x, initial_at, optimise_scale);
    write_image(to_output_image(x.to(Device::cpu)), o.output, o.bit_depth);
  } catch (const StopRequested& stop) {
    if (progress) progress->finish();
    throw Interrupted(stop_signal(), interrupted_message(stop_signal(), stop, last_saved, o.output));
  } catch (const NonFiniteRun& stop) {
    progress->finish();
    write_image(to_output_image(last_finite->image().to(Device::cpu)), o.output, o.bit_depth);
    NST_FAIL(stop.what << " at " << describe_point(stop.point, stop.iterations) << ", so the run stopped; " << o.output
                       << " holds the last finite image, "
                       << (last_finite->iteration() == 0 ? std::string("the initial one")
                                                         : "from iteration " + std::to_string(last_finite->iteration()))
                       << (scales > 1 ? " of scale " + std::to_string(stop.point.scale) : "")
                       << ". Smaller loss weights or --learning-rate may keep it finite");
  }
  const Scale& last = schedule.back();
  const int done = start.scale == scales ? start.iteration : 0;
  const double seconds = seconds_since(run_start);
  if (last_scale_tiled) {
    std::printf("wrote %s: the last scale in tiles (%.1f s)\n", o.output.c_str(), seconds);
    return;
  }
  std::printf("wrote %s: %s, %s (%.1f s, %lld evaluations", o.output.c_str(), describe_kept_image(keep, loop).c_str(),
              describe_losses(problem.objective->read_losses()).c_str(), seconds, static_cast<long long>(evaluations));
  if (scales == 1)
    std::printf(", %.3f s/iteration)\n", loop.iterations > done ? seconds / (loop.iterations - done) : 0.0);
  else
    std::printf(" over %d scales; the last %dx%d)\n", scales, last.size.width, last.size.height);
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
