#pragma once
// Gram matrices of feature maps: f (N, C, H, W) → g (N, C, C), g[n] = F·Fᵀ with F = f[n] as C×(H·W).
#include "engine/tensor.h"

namespace nst::ops {

Tensor gram(const Tensor& f);
void gram(const Tensor& f, Tensor& g);
// dL/df = (dG + dGᵀ)·F per image; df has f's shape and is overwritten.
Tensor gram_backward(const Tensor& f, const Tensor& dg);
void gram_backward(const Tensor& f, const Tensor& dg, Tensor& df);

}  // namespace nst::ops
