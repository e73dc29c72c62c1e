#pragma once
// Convolution forward on the tensor cores in TF32: the same function, layouts and fused bias and
// ReLU as conv2d_forward_cuda (kernels/conv2d.h), but x and w are rounded to TF32 (10-bit mantissa,
// relative error ≤ 2⁻¹¹ each) before they are multiplied; products are accumulated in FP32. So
// |y − y_exact| ≲ 2⁻¹⁰·(Σ|w|·|x|): about 1e-3 of the sum of the absolute terms, where the FP32
// kernel's error is ~1e-6 of it. CUDA only (sm_80 and later); the CPU op is its reference.
#include "kernels/conv2d.h"
#include "kernels/stream.h"

namespace nst {

void conv2d_forward_tf32_cuda(const Conv2dParams& p, const float* x, const float* w, const float* b, bool relu,
                              float* y, Stream stream);

}  // namespace nst
