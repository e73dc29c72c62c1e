#pragma once
// One fused Adam step on a parameter tensor x with its moment tensors m, v (kernels/adam.h).
#include "engine/tensor.h"
#include "kernels/adam.h"

namespace nst::ops {

void adam_step(const AdamParams& params, const Tensor& grad, Tensor& m, Tensor& v, Tensor& x);

}  // namespace nst::ops
