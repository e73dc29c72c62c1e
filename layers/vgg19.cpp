#include "layers/vgg19.h"

#include <algorithm>

#include "engine/error.h"
#include "engine/ops/activation.h"
#include "engine/ops/conv2d.h"
#include "engine/ops/vector_ops.h"
#include "weights/isolated_load.h"
#include "weights/vgg19_spec.h"

namespace nst {

namespace {

int deepest_conv(const std::vector<Tap>& taps) {
  NST_CHECK(!taps.empty(), "VGG19 needs at least one layer to read (a content or style layer)");
  int deepest = 0;
  for (const Tap& tap : taps) deepest = std::max(deepest, tap.conv_index);
  return deepest;
}

}  // namespace

Vgg19::Vgg19(const std::vector<ConvWeights>& weights, ops::PoolKind pooling, Device device, std::vector<Tap> taps,
             ops::ConvMath math)
    : pooling_(pooling), math_(math), device_(device) {
  // A layer read by several losses is one tap: its gradient callback runs once.
  for (Tap& tap : taps)
    if (std::find(taps_.begin(), taps_.end(), tap) == taps_.end()) taps_.push_back(std::move(tap));
  const int depth = deepest_conv(taps_) + 1;
  NST_CHECK(static_cast<int>(weights.size()) >= depth, "VGG19 needs " << depth << " convolution layers for "
                                                                      << join_tap_names(taps_) << ", got "
                                                                      << weights.size());
  const auto& specs = vgg19_conv_specs();
  for (int k = 0; k < depth; ++k) {
    Layer layer;
    layer.kernel = ops::PreparedConvWeights(weights[static_cast<std::size_t>(k)].kernel.to(device), {});
    layer.bias = weights[static_cast<std::size_t>(k)].bias.to(device);
    layer.pool_after = specs[static_cast<std::size_t>(k)].pool_after && k + 1 < depth;
    layer.keep_pre_activation = taps_at(k, /*before_relu=*/true);
    layers_.push_back(std::move(layer));
  }
}

Vgg19 Vgg19::from_file(const std::string& weights_path, ops::PoolKind pooling, Device device, std::vector<Tap> taps,
                       ops::ConvMath math) {
  const int needed = deepest_conv(taps) + 1;
  const int available = count_vgg19_conv_layers_isolated(weights_path);
  if (available < needed) {
    const auto& specs = vgg19_conv_specs();
    const Tap& deepest = *std::max_element(taps.begin(), taps.end(),
                                           [](const Tap& a, const Tap& b) { return a.conv_index < b.conv_index; });
    std::string advice = "use the full VGG19 file (weights/fetch_vgg19_weights.sh)";
    std::string holds = "no VGG19 layer";
    if (available > 0) {
      const VggConvSpec& last = specs[static_cast<std::size_t>(available - 1)];
      holds = "layers up to " + last.keras_name;
      advice = "choose layers up to relu" + last.short_name.substr(4) + ", or " + advice;
    }
    NST_FAIL("layer " << deepest.name << " needs VGG19's " << specs[static_cast<std::size_t>(needed - 1)].keras_name
                      << ", but the weights file " << weights_path << " holds " << holds << " (" << advice << ")");
  }
  return Vgg19(load_vgg19_conv_weights_isolated(weights_path, needed), pooling, device, std::move(taps), math);
}

bool Vgg19::taps_at(int k, bool before_relu) const {
  return std::any_of(taps_.begin(), taps_.end(),
                     [&](const Tap& tap) { return tap.conv_index == k && tap.before_relu == before_relu; });
}

const Tensor& Vgg19::input_of(int k, const Tensor& x) const {
  if (k == 0) return x;
  const Layer& previous = layers_[static_cast<std::size_t>(k - 1)];
  return previous.pool_after ? previous.pooled : previous.activation;
}

void Vgg19::forward(const Tensor& x) {
  NST_CHECK(x.rank() == 4 && x.dim(0) == 1 && x.dim(1) == 3,
            "VGG19 input must be one image (1, 3, H, W), got " << to_string(x.shape()));
  NST_CHECK(x.device() == device_, "VGG19 on " << to_string(device_) << " given an image on " << to_string(x.device()));
  if (x.shape() != input_shape_) {  // (re)allocate once per image size, never inside the loop
    std::int64_t h = x.dim(2), w = x.dim(3);
    const auto& specs = vgg19_conv_specs();
    for (std::size_t k = 0; k < layers_.size(); ++k) {
      Layer& layer = layers_[k];
      const Shape shape{1, layer.kernel.weights().dim(0), h, w};
      layer.activation = Tensor(shape, device_);
      layer.grad_activation = Tensor(shape, device_);
      if (layer.keep_pre_activation) layer.pre_activation = Tensor(shape, device_);
      if (layer.pool_after) {
        NST_CHECK(h >= 2 && w >= 2, "image " << x.dim(2) << "x" << x.dim(3) << " is too small to reach "
                                             << specs[k + 1].short_name << " (each pool halves it)");
        h /= 2, w /= 2;
        layer.pooled = Tensor({1, shape[1], h, w}, device_);
        layer.grad_pooled = Tensor({1, shape[1], h, w}, device_);
      }
    }
    // One split-K scratch for every convolution, both directions (the kernels of one stream run in
    // order), allocated here and never while a CUDA graph records the loop (engine/cuda_graph.h).
    if (device_ == Device::cuda) {
      std::int64_t floats = 1;
      for (int k = 0; k < depth(); ++k) {
        const Shape& kernel = layers_[static_cast<std::size_t>(k)].kernel.weights().shape();
        floats = std::max(floats, ops::conv2d_cuda_scratch_floats(input_of(k, x).shape(), kernel));
      }
      conv_scratch_ = Tensor({floats}, device_);
    }
    input_shape_ = x.shape();
  }
  for (int k = 0; k < depth(); ++k) {
    Layer& layer = layers_[static_cast<std::size_t>(k)];
    const Tensor& in = input_of(k, x);
    if (layer.keep_pre_activation) {
      ops::conv2d(in, layer.kernel, layer.bias, /*relu=*/false, layer.pre_activation, math_, scratch());
      ops::relu(layer.pre_activation, layer.activation);
    } else {
      ops::conv2d(in, layer.kernel, layer.bias, /*relu=*/true, layer.activation, math_, scratch());
    }
    if (layer.pool_after) ops::pool2d(pooling_, layer.activation, layer.pooled);
  }
}

const Tensor& Vgg19::activation(const Tap& tap) const {
  NST_CHECK(tap.conv_index < depth(), "layer " << tap.name << " is deeper than this VGG19 was built for");
  const Layer& layer = layers_[static_cast<std::size_t>(tap.conv_index)];
  NST_CHECK(!tap.before_relu || layer.keep_pre_activation, "layer " << tap.name << " was not kept by the forward");
  return tap.before_relu ? layer.pre_activation : layer.activation;
}

void Vgg19::add_tap_gradients(int k, bool before_relu, const TapGradient& add_gradient, Tensor& grad) const {
  for (const Tap& tap : taps_)
    if (tap.conv_index == k && tap.before_relu == before_relu) add_gradient(tap, grad);
}

void Vgg19::backward(const TapGradient& add_gradient, Tensor& dx) {
  NST_CHECK(!input_shape_.empty(), "VGG19 backward before any forward");
  NST_CHECK(dx.shape() == input_shape_,
            "VGG19 backward: dx has shape " << to_string(dx.shape()) << ", the input had " << to_string(input_shape_));
  Tensor* grad = &layers_.back().grad_activation;  // dJ/da of the deepest layer
  ops::fill(*grad, 0.0f);
  add_tap_gradients(depth() - 1, false, add_gradient, *grad);
  bool gate_applied = false;  // whether *grad already is dJ/dz (ReLU gate fused into the conv above)
  for (int k = depth() - 1; k >= 0; --k) {
    Layer& layer = layers_[static_cast<std::size_t>(k)];
    if (!gate_applied) ops::relu_backward(layer.activation, *grad, *grad);  // dJ/dz_k
    add_tap_gradients(k, true, add_gradient, *grad);
    if (k == 0) {
      ops::conv2d_backward_data(*grad, layer.kernel, nullptr, dx, math_, scratch());
      return;
    }
    Layer& below = layers_[static_cast<std::size_t>(k - 1)];
    if (below.pool_after) {
      ops::conv2d_backward_data(*grad, layer.kernel, nullptr, below.grad_pooled, math_, scratch());
      ops::pool2d_backward(pooling_, below.activation, below.grad_pooled, below.grad_activation);
      gate_applied = false;
    } else {
      // No pool between: fuse the ReLU gate of the layer below unless a tap adds gradient there first.
      gate_applied = !taps_at(k - 1, false);
      ops::conv2d_backward_data(*grad, layer.kernel, gate_applied ? &below.activation : nullptr, below.grad_activation,
                                math_, scratch());
    }
    add_tap_gradients(k - 1, false, add_gradient, below.grad_activation);
    grad = &below.grad_activation;
  }
}

}  // namespace nst
