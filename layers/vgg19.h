#pragma once
// VGG19's convolutional trunk as a chain of engine ops, built up to the deepest layer a run needs.
//
// Forward, for conv layer k = 1..depth (a_0 = x, the image):
//   z_k = W_k * in_k + b_k,  a_k = ReLU(z_k),  in_{k+1} = pool(a_k) after a block's last conv, else a_k.
// It keeps what the backward needs and nothing more: every a_k (the ReLU gate, the max-pool input
// and the tap values), the pool outputs (the next conv's input), and z_k only at "conv…" taps.
//
// Backward goes down from the deepest layer, adding each tap's loss gradient where its activation
// sits, and returns dJ/dx in pixel space:
//   dJ/dz_k = [a_k > 0] ⊙ dJ/da_k,   dJ/din_k = W_kᵀ ⋆ dJ/dz_k (conv backward-data),
//   dJ/da_{k−1} = pool_backward(dJ/din_k) after a pool, else dJ/din_k.
// Where nothing is added at a_{k−1} and no pool intervenes, the ReLU gate is fused into the
// convolution's backward pass.
#include <functional>
#include <string>
#include <vector>

#include "engine/ops/conv2d.h"
#include "engine/ops/pool2d.h"
#include "engine/tensor.h"
#include "layers/taps.h"
#include "weights/vgg19_weights.h"

namespace nst {

class Vgg19 {
 public:
  // The first weights.size() convolutions, copied to `device`; `taps` fixes which activations the
  // forward keeps and how deep it runs (the deepest tap's layer). `math` is the arithmetic of the
  // convolutions, both directions, and of the Gram matrices of whoever asks for conv_math() (GPU
  // only: FP32, TF32 or 3xTF32 tensor cores, kernels/gemm_math.h; the CPU computes in FP32).
  Vgg19(const std::vector<ConvWeights>& weights, ops::PoolKind pooling, Device device, std::vector<Tap> taps,
        ops::ConvMath math = ops::ConvMath::fp32);

  // Reads just enough layers from a Keras weights file for the deepest of `taps`; a file that
  // lacks a needed layer is an error naming the tap, the layer and the deepest layer available.
  static Vgg19 from_file(const std::string& weights_path, ops::PoolKind pooling, Device device, std::vector<Tap> taps,
                         ops::ConvMath math = ops::ConvMath::fp32);

  ops::ConvMath conv_math() const { return math_; }

  int depth() const { return static_cast<int>(layers_.size()); }
  Device device() const { return device_; }
  const std::vector<Tap>& taps() const { return taps_; }

  // x: (1, 3, H, W) in VGG's input space (BGR, mean subtracted), on this net's device.
  void forward(const Tensor& x);

  // The activation at a tap (one of `taps`) from the last forward.
  const Tensor& activation(const Tap& tap) const;

  // add_gradient(tap, grad) must ADD dJ/d(tap activation) into grad (same shape as the activation).
  using TapGradient = std::function<void(const Tap& tap, Tensor& grad)>;
  // dJ/dx (x's shape, overwritten) for the x of the last forward.
  void backward(const TapGradient& add_gradient, Tensor& dx);

 private:
  struct Layer {
    ops::PreparedConvWeights kernel;  // W_k, prepared once for every call
    Tensor bias;
    bool pool_after = false;
    bool keep_pre_activation = false;  // a "conv…" tap reads z
    Tensor pre_activation;             // z (only when kept)
    Tensor activation;                 // a = ReLU(z)
    Tensor pooled;                     // pool(a), when pool_after
    Tensor grad_activation;            // dJ/da, and dJ/dz in place
    Tensor grad_pooled;                // dJ/d pool(a)
  };

  const Tensor& input_of(int k, const Tensor& x) const;
  bool taps_at(int k, bool before_relu) const;
  void add_tap_gradients(int k, bool before_relu, const TapGradient& add_gradient, Tensor& grad) const;
  Tensor* scratch() { return device_ == Device::cuda ? &conv_scratch_ : nullptr; }

  std::vector<Layer> layers_;
  ops::PoolKind pooling_;
  ops::ConvMath math_;
  Device device_;
  std::vector<Tap> taps_;
  Shape input_shape_;
  Tensor conv_scratch_;  // CUDA: the convolutions' split-K partial sums (ops::conv2d), sized per input shape
};

}  // namespace nst
