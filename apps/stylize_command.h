#pragma once
// What `nst` does with its options: read the images and weights, build VGG19 and the objective,
// run the optimizer on the chosen device, write the image(s). Throws nst::Error on any failure,
// before any output is written when the failure is in the inputs.
#include "apps/options.h"

namespace nst {

void run_stylize_command(const Options& options);

}  // namespace nst
