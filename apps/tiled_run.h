#pragma once
// A stylisation run over the memory limit, optimised in tiles (layers/tiled_stylizer.h): the
// options become the tiled problem and its schedule, progress is printed per tile visit, and the
// output is written whole at the end, or not at all.
#include "apps/options.h"
#include "apps/style_problem.h"

namespace nst {

// `problem` as build_style_problem made it with problem.tiles set; its images are used up.
void run_tiled_stylize(const Options& o, StyleProblem& problem);

}  // namespace nst
