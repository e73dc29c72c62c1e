#pragma once
// Optimizer: moves the generated image one step downhill, given the gradient of the objective there.
// The caller evaluates the objective and its gradient at x, then calls step: one evaluation per
// iteration, no line search. Implementations keep all their state on x's device, allocate it at
// the first step and reuse it after.
#include <string>

#include "engine/tensor.h"

namespace nst {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // Given x and the gradient of the objective at x, move x (in place) one step.
  virtual void step(Tensor& x, const Tensor& gradient) = 0;
  virtual std::string name() const = 0;
};

}  // namespace nst
