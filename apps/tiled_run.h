#pragma once
// A scale optimised in tiles (layers/tiled_stylizer.h), for a run over the memory limit or with
// --tile-size: the options become the tiled problem and its schedule, and progress is printed per
// tile visit.
#include <string>

#include "apps/options.h"
#include "apps/style_problem.h"
#include "layers/tile_plan.h"

namespace nst {

// Throws nst::Error naming the first option given that a tiled run does not take (--save-every,
// --resume, --loss-log, --max-evaluations, --cuda-graph).
void check_tiled_options(const Options& o);

// Optimises x (the whole image at the scale, on the host) in the tiles of `plan`, for `problem` as
// set_problem_size(…, tiled = true) left it, `iterations` per pixel (--tile-passes visits of
// iterations/passes each). `label` ("scale 2/3 (1024x768) " or "") starts each
// progress line. Throws Interrupted after the visit in progress when SIGINT or SIGTERM arrives, and
// nst::Error when the image turns non-finite.
void optimise_scale_in_tiles(const Options& o, StyleProblem& problem, const TilePlan& plan, Tensor& x, int iterations,
                             const std::string& label);

}  // namespace nst
