#pragma once
// The optimisation loop: evaluate J and dJ/dx at x, let the optimizer move x, repeat.
// Nothing crosses to the host inside the loop unless the callback asks for it (read_losses(), or
// the image at a save point).
#include <cstddef>
#include <functional>
#include <string>

#include "engine/tensor.h"
#include "layers/optimizer.h"
#include "layers/style_objective.h"

namespace nst {

// Called after iteration `iteration` (1-based) has stepped x; objective.read_losses() then gives
// the losses at the start of that iteration.
using IterationCallback = std::function<void(int iteration, const Tensor& x)>;

struct LoopOptions {
  // On CUDA: once the optimizer's steps are stationary, record one iteration (objective and step)
  // as a CUDA graph and replay it for every iteration after, one launch instead of hundreds.
  bool cuda_graph = false;
};

struct LoopReport {
  int replayed_iterations = 0;  // iterations run by replaying the graph
  std::size_t graph_nodes = 0;  // kernels and copies in the graph
  std::string graph_not_used;   // why no graph was used, if one was asked for
};

LoopReport stylize(StyleObjective& objective, Optimizer& optimizer, Tensor& x, int iterations,
                   const IterationCallback& after_iteration, LoopOptions options = {});

}  // namespace nst
