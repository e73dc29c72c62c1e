#pragma once
// Convolution on tensors: x (N, C_in, H, W), w (C_out, C_in, KH, KW), b (C_out,).
#include <cstdint>

#include "engine/tensor.h"
#include "kernels/conv2d.h"
#include "kernels/gemm_math.h"

namespace nst::ops {

struct ConvGeometry {
  std::int64_t stride = 1;
  std::int64_t pad = 1;
};

// The arithmetic of a convolution (both directions) or a Gram on the GPU: FP32 FMA, TF32 tensor
// cores (~1e-3 relative error at worst) or 3xTF32 tensor cores (FP32-level error); see
// kernels/gemm_math.h. The CPU always computes in FP32 and ignores the choice.
using ConvMath = GemmMath;

// y = conv(x, w) + b, with ReLU fused when `relu`; y is (N, C_out, OH, OW).
Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, bool relu, ConvGeometry geometry = {},
              ConvMath math = ConvMath::fp32);
void conv2d(const Tensor& x, const Tensor& w, const Tensor& b, bool relu, Tensor& y, ConvGeometry geometry = {},
            ConvMath math = ConvMath::fp32);

// dL/dx from dL/dy (dx has x's shape and is overwritten). With a gate (the layer's input when it is
// a ReLU output) the ReLU backward is fused: dx = 0 where gate <= 0.
void conv2d_backward_data(const Tensor& dy, const Tensor& w, const Tensor* gate, Tensor& dx, ConvGeometry geometry = {},
                          ConvMath math = ConvMath::fp32);
Tensor conv2d_backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Tensor* gate = nullptr,
                            ConvGeometry geometry = {}, ConvMath math = ConvMath::fp32);

// A layer's weights w (C_out, C_in, KH, KW) prepared for many convolutions: on the CPU, where the
// Winograd path applies (3×3, stride 1, pad 1, ≥ 8 channels: kernels/cpu/conv2d_winograd.h), the
// filters of both directions are transformed here once instead of in every call (the transform is
// ~6% of a CPU iteration); on CUDA, the backward-data's Wᵀ is re-laid here once (kernels/conv2d.h:
// conv2d_transposed_weights_cuda), where the plain overloads re-lay it in every call. The prepared
// overloads give the same bits as the plain ones.
class PreparedConvWeights {
 public:
  PreparedConvWeights() = default;
  PreparedConvWeights(Tensor w, ConvGeometry geometry);

  // The bytes the prepared weights of shape w_shape hold on `device`, with a bias of C_out (the
  // weights, and on the CPU the two directions' Winograd filters, on CUDA Wᵀ), as its allocator
  // counts them.
  static std::size_t bytes(const Shape& w_shape, ConvGeometry geometry, Device device);

  const Tensor& weights() const { return w_; }
  ConvGeometry geometry() const { return geometry_; }
  // The transformed filters of one direction, or null where the plain kernels are used.
  const Tensor* winograd_filters(bool backward) const;
  // On CUDA, Wᵀ (C_in, C_out·KH·KW) for the backward-data; null on the CPU.
  const Tensor* transposed() const { return w_.device() == Device::cuda ? &transposed_ : nullptr; }

 private:
  Tensor w_;
  ConvGeometry geometry_;
  bool winograd_ = false;  // the CPU's Winograd path applies: the filters below
  Tensor forward_filters_, backward_filters_;
  Tensor transposed_;  // CUDA: Wᵀ
};

// `scratch`: on CUDA the split-K partial sums (kernels/conv2d_split.h), at least
// conv2d_cuda_scratch_floats(x_shape, w_shape) floats on the GPU; null: allocated for the call. A
// caller that records a CUDA graph passes its own, since a graph's recording cannot allocate once a
// freed block is held out of reuse (engine/cuda_graph.h). Ignored on the CPU.
void conv2d(const Tensor& x, const PreparedConvWeights& w, const Tensor& b, bool relu, Tensor& y,
            ConvMath math = ConvMath::fp32, Tensor* scratch = nullptr);
void conv2d_backward_data(const Tensor& dy, const PreparedConvWeights& w, const Tensor* gate, Tensor& dx,
                          ConvMath math = ConvMath::fp32, Tensor* scratch = nullptr);
// The floats the CUDA kernels' split-K scratch needs for a convolution of an input x_shape by
// weights w_shape, forward and backward-data alike (the larger of the two; at least 1).
std::int64_t conv2d_cuda_scratch_floats(const Shape& x_shape, const Shape& w_shape, ConvGeometry geometry = {});

// The CPU kernels' scratch for a convolution of an input x_shape by weights w_shape (kernels/conv2d.h:
// which of their two buffers, and its floats), for memory estimates.
CpuConvScratch conv2d_cpu_scratch(const Shape& x_shape, const Shape& w_shape, ConvGeometry geometry = {});

}  // namespace nst::ops
