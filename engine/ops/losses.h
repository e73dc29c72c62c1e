#pragma once
// The losses of style transfer on tensors (kernels/losses.h has the formulas). Each loss writes a
// one-element tensor on the inputs' device; each backward ADDS weight·gradient into its output.
#include "engine/tensor.h"
#include "kernels/gemm_math.h"

namespace nst::ops {

// ½‖f − p‖² (any shapes with equal element counts).
void content_loss(const Tensor& f, const Tensor& p, Tensor& loss);
void content_loss_backward(const Tensor& f, const Tensor& p, float weight, Tensor& df);

// ‖G − A‖² / (2·C·H·W)² for features f (1, C, H, W), their Gram g = gram(f) (1, C, C) and the
// target Gram a (1, C, C). The backward's CUDA GEMM computes in `math` (kernels/gemm_math.h).
void style_loss(const Tensor& f, const Tensor& g, const Tensor& a, Tensor& loss);
void style_loss_backward(const Tensor& f, const Tensor& g, const Tensor& a, float weight, Tensor& df,
                         GemmMath math = GemmMath::fp32);

// ½ Σ (horizontal² + vertical² neighbour differences) of an image x (N, C, H, W).
void tv_loss(const Tensor& x, Tensor& loss);
void tv_loss_backward(const Tensor& x, float weight, Tensor& dx);

}  // namespace nst::ops
