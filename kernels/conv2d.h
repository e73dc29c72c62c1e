#pragma once
// 2-D convolution (cross-correlation, as VGG's weights expect), batch N, no dilation or groups.
//   y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v] · x[n, c, i·s + u − p, j·s + v − p]   (zero outside x)
// Layouts: x (N, C_in, H, W), w (C_out, C_in, KH, KW), b (C_out), y (N, C_out, OH, OW).
#include <cstdint>

#include "kernels/gemm_math.h"
#include "kernels/stream.h"

namespace nst {

struct Conv2dParams {
  std::int64_t n = 1, c_in = 1, h = 1, w = 1;  // input
  std::int64_t c_out = 1;
  std::int64_t kh = 3, kw = 3;
  std::int64_t stride = 1, pad = 1;

  std::int64_t out_h() const { return (h + 2 * pad - kh) / stride + 1; }
  std::int64_t out_w() const { return (w + 2 * pad - kw) / stride + 1; }
  // Multiply-adds ×2 of the forward pass (the backward-data pass costs the same).
  double flops() const { return 2.0 * static_cast<double>(n * c_out * out_h() * out_w() * c_in * kh * kw); }
};

// y = conv(x, w) + b, then y = max(y, 0) when `relu` (bias and ReLU fused into one pass). The CUDA
// kernels compute in `math` (kernels/gemm_math.h); the CPU ones in FP32.
void conv2d_forward_cpu(const Conv2dParams& p, const float* x, const float* w, const float* b, bool relu, float* y);
// `scratch`: conv2d_forward_split(p).scratch_floats() floats (kernels/conv2d_split.h; may be null when 0).
void conv2d_forward_cuda(const Conv2dParams& p, const float* x, const float* w, const float* b, bool relu, float* y,
                         float* scratch, GemmMath math, Stream stream);

// Gradient with respect to the input (the transposed convolution), overwriting dx:
//   dx[n,c,h,w] = Σ_{o,u,v} w[o,c,u,v] · dy[n, o, (h + p − u)/s, (w + p − v)/s]  (where that divides)
// When `gate` is not null, ReLU's backward is fused in: dx[i] = 0 wherever gate[i] <= 0. Pass the
// layer's input as the gate when that input is ReLU's output a = max(z, 0): dx is then dL/dz.
void conv2d_backward_data_cpu(const Conv2dParams& p, const float* dy, const float* w, const float* gate, float* dx);
// The CUDA kernels take the weights re-laid as Wᵀ (`w_t`, made by conv2d_transposed_weights_cuda).
// `scratch`: conv2d_backward_data_split(p).scratch_floats() floats (may be null when 0).
void conv2d_backward_data_cuda(const Conv2dParams& p, const float* dy, const float* w_t, const float* gate, float* dx,
                               float* scratch, GemmMath math, Stream stream);
// Wᵀ for the CUDA backward-data, laid out once per run (the weights are constant during one):
// w_t (C_in, C_out·KH·KW) row-major, w_t[c·K + (o·KH + u)·KW + v] = w[o, c, u, v], K = C_out·KH·KW.
void conv2d_transposed_weights_cuda(const Conv2dParams& p, const float* w, float* w_t, Stream stream);

// The scratch the CPU kernels take for p, forward and backward-data alike. Each of the two paths
// keeps one thread_local buffer on the calling thread (im2col's column band, Winograd's V and M
// band) grown to the largest band asked of it and never freed, so a run's scratch is the largest
// im2col band plus the largest Winograd band over every convolution it has made.
struct CpuConvScratch {
  bool winograd;  // which of the two buffers
  std::int64_t floats;
};
CpuConvScratch conv2d_cpu_scratch(const Conv2dParams& p);

}  // namespace nst
