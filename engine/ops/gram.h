#pragma once
// Gram matrices of feature maps: f (N, C, H, W) → g (N, C, C), g[n] = F·Fᵀ with F = f[n] as C×(H·W).
#include "engine/tensor.h"
#include "kernels/gemm_math.h"

namespace nst::ops {

// On CUDA a GEMM in `math` (kernels/gemm_math.h); the CPU computes in FP32.
Tensor gram(const Tensor& f, GemmMath math = GemmMath::fp32);
void gram(const Tensor& f, Tensor& g, GemmMath math = GemmMath::fp32);

}  // namespace nst::ops
