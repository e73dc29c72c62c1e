#pragma once
// Gram matrices of feature maps: f (N, C, H, W) → g (N, C, C), g[n] = F·Fᵀ with F = f[n] as C×(H·W).
#include "engine/tensor.h"

namespace nst::ops {

Tensor gram(const Tensor& f);
void gram(const Tensor& f, Tensor& g);

}  // namespace nst::ops
