#include "apps/tiled_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>

#include "apps/image.h"
#include "apps/run_step.h"
#include "apps/signals.h"
#include "apps/vgg_image.h"
#include "engine/error.h"
#include "layers/tiled_stylizer.h"

namespace nst {

namespace {

struct StopRequested {};

void check_tiled_options(const Options& o) {
  const auto refuse = [&](bool given, const char* option) {
    NST_CHECK(!given, "the run is optimised in tiles (its estimate is over the memory limit), and "
                          << option << " does not work with tiles yet; leave it out, or raise --max-memory");
  };
  refuse(o.save_every > 0, "--save-every");
  refuse(!o.resume.empty(), "--resume");
  refuse(!o.loss_log.empty(), "--loss-log");
  refuse(o.max_evaluations > 0, "--max-evaluations");
  refuse(o.cuda_graph, "--cuda-graph");
}

}  // namespace

void run_tiled_stylize(const Options& o, StyleProblem& problem) {
  NST_CHECK(problem.tiles, "run_tiled_stylize: the problem has no tile plan");
  check_tiled_options(o);
  const TilePlan& plan = *problem.tiles;
  TiledProblem tiled;
  tiled.content_taps = problem.content_taps;
  tiled.style_taps = problem.style_taps;
  tiled.weights = problem.weights;
  tiled.style_blend = problem.style_blend;
  Tensor x = initial_image(o, problem);
  tiled.content = std::move(problem.content);
  tiled.styles = std::move(problem.styles);

  TiledOptions options;
  options.layout = plan.layout;
  options.passes = o.tile_passes;
  options.iterations = (o.iterations + o.tile_passes - 1) / o.tile_passes;  // every pixel gets about --iterations
  options.keep = parse_keep_image(o.keep);
  options.make_optimizer = [&o] { return make_optimizer(o); };
  std::printf("optimizer: %s, %d passes over %zu tiles, %d iterations per visit, keep %s\n",
              make_optimizer(o)->name().c_str(), options.passes, plan.tiles, options.iterations, o.keep.c_str());
  std::fflush(stdout);

  set_run_step("running the tiled optimisation");
  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  TiledReport report;
  const StopSignalsDeferred stop_after_a_visit;
  try {
    report = optimise_in_tiles(*problem.net, tiled, x, options, [&](const TileVisit& v) {
      std::fprintf(stderr, "pass %d/%d, tile %d/%d (rows %lld-%lld, columns %lld-%lld): tile objective %g, %.1f s\n",
                   v.pass, v.passes, v.tile, v.tiles, static_cast<long long>(v.geometry->rows_core.begin),
                   static_cast<long long>(v.geometry->rows_core.end),
                   static_cast<long long>(v.geometry->cols_core.begin),
                   static_cast<long long>(v.geometry->cols_core.end), static_cast<double>(v.objective), seconds());
      if (stop_signal() != 0) throw StopRequested{};
    });
  } catch (const StopRequested&) {
    throw Interrupted(stop_signal(), "interrupted by " + signal_name(stop_signal()) +
                                         " during a tiled run; nothing was written (a tiled run keeps no checkpoints)");
  }
  const float* values = x.data();
  NST_CHECK(std::all_of(values, values + x.numel(), [](float v) { return std::isfinite(v); }),
            "the tiled run's image turned non-finite, so " << o.output
                                                           << " was not written; smaller loss weights or "
                                                              "--learning-rate may keep it finite");
  const Image image = from_vgg_input(x);
  write_image(o.original_colors ? keep_original_colors(image, problem.content_image) : image, o.output);
  std::printf("wrote %s: tiled, %d visits, %lld evaluations of tile objectives (%.1f s)\n", o.output.c_str(),
              report.visits, static_cast<long long>(report.evaluations), seconds());
}

}  // namespace nst
