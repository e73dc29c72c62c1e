#pragma once
// The optimisation loop: evaluate J and dJ/dx at x, let the optimizer move x, repeat.
// Nothing crosses to the host inside the loop unless the callback asks for it (read_losses(), or
// the image at a save point).
#include <functional>

#include "engine/tensor.h"
#include "layers/optimizer.h"
#include "layers/style_objective.h"

namespace nst {

// Called after iteration `iteration` (1-based) has stepped x; objective.read_losses() then gives
// the losses at the start of that iteration.
using IterationCallback = std::function<void(int iteration, const Tensor& x)>;

void stylize(StyleObjective& objective, Optimizer& optimizer, Tensor& x, int iterations,
             const IterationCallback& after_iteration);

}  // namespace nst
