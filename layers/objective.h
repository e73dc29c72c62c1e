#pragma once
// What an optimizer minimises: a differentiable function f of the image x, evaluated on x's device.
// Its value stays there as a one-element tensor, so an optimizer (or the loop) can decide on it
// without a host read.
#include "engine/tensor.h"

namespace nst {

class Objective {
 public:
  virtual ~Objective() = default;
  // f(x) into value() and ∇f(x) into `gradient` (x's shape, overwritten).
  virtual void evaluate(const Tensor& x, Tensor& gradient) = 0;
  // f at the x of the last evaluate(): one element on x's device.
  virtual const Tensor& value() const = 0;
};

}  // namespace nst
