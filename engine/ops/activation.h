#pragma once
// ReLU on tensors of any shape.
#include "engine/tensor.h"

namespace nst::ops {

Tensor relu(const Tensor& x);
void relu(const Tensor& x, Tensor& y);
// dx = dy where y > 0, else 0 (y: ReLU's output or input).
Tensor relu_backward(const Tensor& y, const Tensor& dy);
void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx);

}  // namespace nst::ops
