#pragma once
// A scale optimised in tiles (layers/tiled_stylizer.h), for a run over the memory limit or with
// --tile-size: the options become the tiled problem and its schedule, and progress is printed per
// tile visit.
#include <functional>
#include <string>

#include "apps/options.h"
#include "apps/style_problem.h"
#include "layers/style_objective.h"
#include "layers/tile_plan.h"

namespace nst {

// Throws nst::Error naming the first option given that a tiled run does not take
// (--max-evaluations, --cuda-graph).
void check_tiled_options(const Options& o);

// Where a tiled scale starts, and what its caller does between passes and when asked to stop.
struct TiledScaleHooks {
  int passes_done = 0;  // a resumed scale: the passes x has been through
  // After each pass but the last (passes done so far), x then the image after them: checkpoints.
  std::function<void(int passes_done)> after_pass;
  // After the visit during which SIGINT or SIGTERM arrived (passes done so far): must throw.
  std::function<void(int passes_done)> stop;
  // J of the whole image after `passes_done` passes: before the first pass run, then after each.
  std::function<void(int passes_done, const LossValues& losses)> losses;
};

// The iteration a tiled scale of `iterations` per pixel has reached after `passes_done` of its
// `passes` passes, ⌊passes_done·iterations/passes⌋: below `iterations` until the last pass ends, so
// that a checkpoint's iteration leaves the resumed run something to do.
int tiled_iteration(int passes_done, int passes, int iterations);

// Optimises x (the whole image at the scale, on the host) in the tiles of `plan`, for `problem` as
// set_problem_size(…, tiled = true) left it, `iterations` per pixel (--tile-passes visits of
// ⌈iterations/passes⌉ each), from pass hooks.passes_done + 1 on. `label` ("scale 2/3 (1024x768) "
// or "") starts each progress line; J of the whole image is printed before the first pass and after
// each. Throws nst::Error when the image turns non-finite.
void optimise_scale_in_tiles(const Options& o, StyleProblem& problem, const TilePlan& plan, Tensor& x, int iterations,
                             const std::string& label, const TiledScaleHooks& hooks);

}  // namespace nst
