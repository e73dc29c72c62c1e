#pragma once
// Gram matrices of feature maps: f (N, C, H, W) → g (N, C, C), g[n] = F·Fᵀ with F = f[n] as C×(H·W).
#include "engine/tensor.h"
#include "kernels/gemm_math.h"

namespace nst::ops {

// On CUDA a GEMM in `math` (kernels/gemm_math.h); the CPU computes in FP32.
// `scratch`: the CUDA kernel's split-K partial sums (kernels/gram.h), at least gram_scratch_floats(f)
// floats; null: allocated for the call. A caller that records a CUDA graph passes its own, since a
// graph's recording cannot allocate once a freed block is held out of reuse (engine/cuda_graph.h).
Tensor gram(const Tensor& f, GemmMath math = GemmMath::fp32);
void gram(const Tensor& f, Tensor& g, GemmMath math = GemmMath::fp32, Tensor* scratch = nullptr);
std::int64_t gram_scratch_floats(const Tensor& f);

}  // namespace nst::ops
