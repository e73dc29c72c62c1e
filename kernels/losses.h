#pragma once
// The three losses of style transfer and their gradients. A loss writes its value to loss[0]
// (on the inputs' device); a backward ADDS weight·(dLoss/dinput) to the gradient it is given, so
// the losses of several taps accumulate into one gradient tensor.
#include <cstdint>

#include "kernels/gemm_math.h"
#include "kernels/stream.h"

namespace nst {

// Content: L = ½ Σ_i (f_i − p_i)²,  dL/df = f − p.   (n = number of elements)
void content_loss_cpu(std::int64_t n, const float* f, const float* p, float* loss);
// The CUDA losses reduce in two passes through `scratch`, kReductionScratchFloats floats (kernels/reduce.h).
void content_loss_cuda(std::int64_t n, const float* f, const float* p, float* loss, float* scratch, Stream stream);
void content_loss_backward_cpu(std::int64_t n, const float* f, const float* p, float weight, float* df);
void content_loss_backward_cuda(std::int64_t n, const float* f, const float* p, float weight, float* df, Stream stream);

// Style (Gatys et al. 2015, eq. 4): with G = F·Fᵀ of F (C, M) and the target Gram A,
//   L = Σ_{k,k'} (G − A)²_{kk'} / (2·C·M)²,   dL/dF = 4·(G − A)·F / (2·C·M)²   (G − A symmetric).
void style_loss_cpu(std::int64_t c, std::int64_t m, const float* g, const float* a, float* loss);
void style_loss_cuda(std::int64_t c, std::int64_t m, const float* g, const float* a, float* loss, float* scratch,
                     Stream stream);
void style_loss_backward_cpu(std::int64_t c, std::int64_t m, const float* f, const float* g, const float* a,
                             float weight, float* df);
// The CUDA backward is a GEMM in `math` (kernels/gemm_math.h).
void style_loss_backward_cuda(std::int64_t c, std::int64_t m, const float* f, const float* g, const float* a,
                              float weight, float* df, GemmMath math, Stream stream);

// Total variation of x (N, C, H, W): L = ½ Σ [(x[i,j+1] − x[i,j])² + (x[i+1,j] − x[i,j])²]
// over the pairs inside the image (no wrap-around).
void tv_loss_cpu(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, const float* x, float* loss);
void tv_loss_cuda(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, const float* x, float* loss,
                  float* scratch, Stream stream);
void tv_loss_backward_cpu(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, const float* x, float weight,
                          float* dx);
void tv_loss_backward_cuda(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w, const float* x, float weight,
                           float* dx, Stream stream);

}  // namespace nst
