#pragma once
// Vector ops on whole tensors (any shape, treated as flat vectors): what the optimizers are built
// from. Scalars are one-element tensors on the vectors' device.
#include "engine/tensor.h"

namespace nst::ops {

void fill(Tensor& y, float value);
void scale(Tensor& y, float alpha);
void axpy(float alpha, const Tensor& x, Tensor& y);                 // y += αx
void scale_ratio(const Tensor& num, const Tensor& den, Tensor& y);  // y *= num/den
void clamp(Tensor& y, float lo, float hi);

// Reductions into a one-element tensor `out` on the same device (no allocation) ...
void dot(const Tensor& x, const Tensor& y, Tensor& out);
void asum(const Tensor& x, Tensor& out);
// ... or into a new one.
Tensor dot(const Tensor& x, const Tensor& y);
Tensor asum(const Tensor& x);

}  // namespace nst::ops
