#include "apps/tiled_run.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <utility>

#include "apps/run_step.h"
#include "apps/signals.h"
#include "engine/error.h"
#include "layers/tiled_stylizer.h"

namespace nst {

void check_tiled_options(const Options& o) {
  const auto refuse = [&](bool given, const char* option) {
    NST_CHECK(!given, "the run is optimised in tiles (over the memory limit, or --tile-size), and "
                          << option << " does not work with tiles yet; leave it out, or raise --max-memory");
  };
  refuse(o.max_evaluations > 0, "--max-evaluations");
  refuse(o.cuda_graph, "--cuda-graph");
}

int tiled_iteration(int passes_done, int passes, int iterations) {
  return static_cast<int>(std::int64_t(passes_done) * iterations / passes);
}

void optimise_scale_in_tiles(const Options& o, StyleProblem& problem, const TilePlan& plan, Tensor& x, int iterations,
                             const std::string& label, const TiledScaleHooks& hooks) {
  NST_CHECK(problem.tiled && x.device() == Device::cpu,
            "optimise_scale_in_tiles: the problem must be set for tiles and x on the host");
  TiledProblem tiled;
  tiled.content_taps = problem.content_taps;
  tiled.style_taps = problem.style_taps;
  tiled.weights = problem.weights;
  tiled.style_blend = problem.style_blend;
  // The problem's images are lent to `tiled` for the scale, and given back however it ends.
  tiled.content = std::move(problem.content);
  tiled.styles = std::move(problem.styles);
  struct GiveBack {
    StyleProblem& problem;
    TiledProblem& tiled;
    ~GiveBack() {
      problem.content = std::move(tiled.content);
      problem.styles = std::move(tiled.styles);
    }
  } give_back{problem, tiled};

  TiledOptions options;
  options.layout = plan.layout;
  options.passes = o.tile_passes;
  options.first_pass = hooks.passes_done + 1;
  options.iterations = (iterations + o.tile_passes - 1) / o.tile_passes;  // every pixel gets about `iterations`
  options.keep = parse_keep_image(o.keep);
  options.make_optimizer = [&o] { return make_optimizer(o); };
  std::printf(
      "%stiles: %zu, windows up to %lldx%lld px (core %lld, overlap %lld, margin %lld), %d passes of %d "
      "iterations per visit; ~%s estimated\n",
      label.c_str(), plan.tiles, static_cast<long long>(plan.window.width), static_cast<long long>(plan.window.height),
      static_cast<long long>(plan.layout.core), static_cast<long long>(plan.layout.overlap),
      static_cast<long long>(plan.layout.margin), options.passes, options.iterations,
      format_bytes(plan.estimate.device_peak()).c_str());
  if (hooks.passes_done > 0)
    std::printf("%sresuming after pass %d/%d\n", label.c_str(), hooks.passes_done, options.passes);
  std::fflush(stdout);

  set_run_step("running the tiled optimisation");
  const auto start = std::chrono::steady_clock::now();
  const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  const TiledReport report = optimise_in_tiles(
      *problem.net, tiled, x, options,
      [&](const TileVisit& v) {
        std::fprintf(
            stderr, "%spass %d/%d, tile %d/%d (rows %lld-%lld, columns %lld-%lld): tile objective %g, %.1f s\n",
            label.c_str(), v.pass, v.passes, v.tile, v.tiles, static_cast<long long>(v.geometry->rows_core.begin),
            static_cast<long long>(v.geometry->rows_core.end), static_cast<long long>(v.geometry->cols_core.begin),
            static_cast<long long>(v.geometry->cols_core.end), static_cast<double>(v.objective), seconds());
        // After a pass's last visit the pass ends first: its checkpoint, or the output after the last.
        if (stop_signal() != 0 && !v.ends_pass) hooks.stop(v.pass - 1);
      },
      [&](int pass) {
        if (hooks.after_pass) hooks.after_pass(pass);
        if (stop_signal() != 0) hooks.stop(pass);
      },
      [&](int passes_done, const LossValues& l) {
        std::printf("%sJ after %d of %d passes: total %g: content %g, style %g, tv %g (%.1f s)\n", label.c_str(),
                    passes_done, options.passes, static_cast<double>(l.total), static_cast<double>(l.content),
                    static_cast<double>(l.style), static_cast<double>(l.tv), seconds());
        std::fflush(stdout);
        if (hooks.losses) hooks.losses(passes_done, l);
      });
  const float* values = x.data();
  NST_CHECK(std::all_of(values, values + x.numel(), [](float v) { return std::isfinite(v); }),
            "the tiled run's image turned non-finite, so nothing was written; smaller loss weights or "
            "--learning-rate may keep it finite");
  std::printf("%stiled: %d visits, %lld evaluations of tile objectives (%.1f s)\n", label.c_str(), report.visits,
              static_cast<long long>(report.evaluations), seconds());
  std::fflush(stdout);
}

}  // namespace nst
