#pragma once
// The maths of the CUDA GEMM kernels (kernels/gemm_math.h) as test parameters, with the bound on
// |cuda − cpu| / Σ|terms| that each must meet against the CPU's FP32 (rounding_bound.h):
//   fp32    1e-5: both sides round each of K sums (√K·2⁻²⁴ ≈ 3e-6 at K = 2304, the largest here).
//   tf32    1e-3: each operand rounded to TF32 (10 explicit mantissa bits, unit roundoff 2⁻¹¹), so
//           each product is off by ≤ 2·2⁻¹¹ + 2⁻²² = 9.77e-4 of itself even when all round alike,
//           plus the FP32 sums' ~3e-6.
//   tf32x3  2e-5: x = x_hi + x_lo, three MMAs (kernels/cuda/gemm_math.cuh) leave ≤ 3·2⁻²² = 7.2e-7
//           of each product, plus 3K FP32 roundings on the GPU, ~√(3K)·2⁻²⁴ = 4.9e-6 at K = 2304, and
//           the CPU's 2.9e-6: 8.5e-6 in all, a margin of 2; a missing or doubled term (≥ 2.4e-4) is
//           still 12× over it.
// Small integers are exact in TF32 (x_lo = 0 for 3xTF32), so there every math is bitwise exact.
#include <vector>

#include "kernels/gemm_math.h"
#include "tests/support/emulated_gpu.h"

namespace nst::testing {

constexpr GemmMath kGemmMaths[] = {GemmMath::fp32, GemmMath::tf32, GemmMath::tf32x3};

// The maths of the tests at VGG19's sizes: every one on a GPU; under the emulator, where a warp-wide
// MMA costs a fiber switch per lane, FP32 and the default 3xTF32 (TF32 runs the same main loop, its
// fragments and rounding checked by the awkward shapes).
inline std::vector<GemmMath> large_case_maths() {
  return gpu_or_emulated(std::vector<GemmMath>{GemmMath::fp32, GemmMath::tf32, GemmMath::tf32x3},
                         std::vector<GemmMath>{GemmMath::fp32, GemmMath::tf32x3});
}

inline double rtol_of(GemmMath math) {
  switch (math) {
    case GemmMath::fp32:
      return 1e-5;
    case GemmMath::tf32:
      return 1e-3;
    case GemmMath::tf32x3:
      return 2e-5;
  }
  return 0;
}

inline const char* name_of(GemmMath math) {
  switch (math) {
    case GemmMath::fp32:
      return "fp32";
    case GemmMath::tf32:
      return "tf32";
    case GemmMath::tf32x3:
      return "tf32x3";
  }
  return "?";
}

}  // namespace nst::testing
