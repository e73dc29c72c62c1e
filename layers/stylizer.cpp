#include "layers/stylizer.h"

#include "engine/error.h"

namespace nst {

void stylize(StyleObjective& objective, Optimizer& optimizer, Tensor& x, int iterations,
             const IterationCallback& after_iteration) {
  NST_CHECK(iterations >= 0, "iterations must not be negative, got " << iterations);
  Tensor gradient(x.shape(), x.device());  // allocated once, reused by every iteration
  for (int iteration = 1; iteration <= iterations; ++iteration) {
    objective.evaluate(x, gradient);
    optimizer.step(x, gradient);
    if (after_iteration) after_iteration(iteration, x);
  }
}

}  // namespace nst
