#pragma once
// 2×2, stride-2 pooling on (N, C, H, W) tensors; odd sizes floor (kernels/pool2d.h).
#include "engine/tensor.h"

namespace nst::ops {

enum class PoolKind { max, avg };

Tensor pool2d(PoolKind kind, const Tensor& x);
void pool2d(PoolKind kind, const Tensor& x, Tensor& y);
// dL/dx (x's shape, overwritten) from dL/dy; max pooling needs the forward input x.
Tensor pool2d_backward(PoolKind kind, const Tensor& x, const Tensor& dy);
void pool2d_backward(PoolKind kind, const Tensor& x, const Tensor& dy, Tensor& dx);

}  // namespace nst::ops
