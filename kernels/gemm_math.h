#pragma once
// The arithmetic of the CUDA GEMM kernels (convolutions, Gram, style backward;
// kernels/cuda/gemm_math.cuh). The CPU kernels always compute in FP32 and take no such choice.
//   fp32    FP32 fused multiply-adds on the CUDA cores.
//   tf32    the tensor cores with each operand rounded to TF32 (10 explicit mantissa bits, unit
//           roundoff 2⁻¹¹): each product is off by at most ~2⁻¹⁰ relative, sums in FP32; ~1e-3 of
//           Σ|terms| at worst, ~1e-4 typically.
//   tf32x3  the tensor cores in three passes, x = x_hi + x_lo (the split-float "3xTF32"): the
//           product's error is ≤ 3·2⁻²² relative, the accumulation FP32's: FP32-level results.
namespace nst {

enum class GemmMath { fp32, tf32, tf32x3 };

}  // namespace nst
