#include "engine/ops/conv2d.h"

#include <algorithm>
#include <string>
#include <utility>

#include "engine/ops/dispatch.h"
#include "kernels/conv2d.h"
#include "kernels/cpu/conv2d_winograd.h"
#include "kernels/conv2d_split.h"
#include "kernels/cuda_limits.h"

namespace nst::ops {

namespace {

// The kernel parameters for input shape x_shape (N, C_in, H, W) and weights w (C_out, C_in, KH, KW),
// after checking that they fit together and give an output of at least 1×1.
Conv2dParams conv_params(const char* op, const Shape& x_shape, const Tensor& w, ConvGeometry g) {
  NST_CHECK(x_shape.size() == 4, op << ": input has shape " << to_string(x_shape) << ", expected rank 4 (N, C, H, W)");
  check_rank(op, "w", w, 4);
  NST_CHECK(w.dim(1) == x_shape[1], op << ": w has shape " << to_string(w.shape()) << " for " << w.dim(1)
                                       << " input channels, but the input " << to_string(x_shape) << " has "
                                       << x_shape[1]);
  NST_CHECK(numel_of(x_shape) > 0 && w.numel() > 0,
            op << ": empty input " << to_string(x_shape) << " or weights " << to_string(w.shape()));
  NST_CHECK(g.stride >= 1 && g.pad >= 0,
            op << ": stride " << g.stride << " and pad " << g.pad << " (need stride >= 1, pad >= 0)");
  Conv2dParams p;
  p.n = x_shape[0];
  p.c_in = x_shape[1];
  p.h = x_shape[2];
  p.w = x_shape[3];
  p.c_out = w.dim(0);
  p.kh = w.dim(2);
  p.kw = w.dim(3);
  p.stride = g.stride;
  p.pad = g.pad;
  NST_CHECK(p.kh <= p.h + 2 * p.pad && p.kw <= p.w + 2 * p.pad, op << ": kernel " << to_string(w.shape())
                                                                   << " is larger than the input " << to_string(x_shape)
                                                                   << " with pad " << p.pad);
  return p;
}

Shape output_shape(const Conv2dParams& p) { return {p.n, p.c_out, p.out_h(), p.out_w()}; }

// Refuses, before any launch, a convolution larger than the CUDA kernels can index (kernels/cuda_limits.h).
void check_indexable(const char* op, Device device, const Conv2dParams& p) {
  if (device != Device::cuda) return;
  const std::string why = conv2d_cuda_unindexable(p);
  NST_CHECK(why.empty(), op << ": input (" << p.n << ", " << p.c_in << ", " << p.h << ", " << p.w << ") with weights ("
                            << p.c_out << ", " << p.c_in << ", " << p.kh << ", " << p.kw
                            << ") is too large for the CUDA kernels: " << why);
}

// The partial sums of a split K on the GPU (kernels/conv2d_split.h): the caller's `scratch`, or
// when it passes none a tensor for the call (the kernels of one stream run in order, so the block is
// free again once the convolution's kernels are).
float* split_scratch(const char* op, const ConvSplit& split, Tensor* scratch, Tensor& own) {
  if (split.scratch_floats() == 0) return nullptr;  // K is not split: the kernels need no scratch
  if (scratch == nullptr) {
    own = Tensor({split.scratch_floats()}, Device::cuda);
    return own.data();
  }
  NST_CHECK(scratch->device() == Device::cuda && scratch->numel() >= split.scratch_floats(),
            op << ": split-K scratch of " << scratch->numel() << " floats on " << to_string(scratch->device())
               << ", expected at least " << split.scratch_floats() << " on cuda");
  return scratch->data();
}

// The shape of Wᵀ for the CUDA backward-data (kernels/conv2d.h: conv2d_transposed_weights_cuda).
Shape transposed_shape(const Conv2dParams& p) { return {p.c_in, p.c_out * p.kh * p.kw}; }

// The parameters of a convolution of an input x_shape by weights w_shape (both of rank 4).
Conv2dParams shape_params(const Shape& x_shape, const Shape& w_shape, ConvGeometry geometry) {
  Conv2dParams p;
  p.n = x_shape[0], p.c_in = x_shape[1], p.h = x_shape[2], p.w = x_shape[3];
  p.c_out = w_shape[0], p.kh = w_shape[2], p.kw = w_shape[3], p.stride = geometry.stride, p.pad = geometry.pad;
  return p;
}

// The forward convolution, with the CPU's Winograd filters when `filters` holds them.
void forward(const Tensor& x, const Tensor& w, const Tensor* filters, const Tensor& b, bool relu, Tensor& y,
             ConvGeometry geometry, ConvMath math, Tensor* scratch) {
  const Device device = common_device("conv2d", {&x, &w, &b, &y});
  const Conv2dParams p = conv_params("conv2d", x.shape(), w, geometry);
  check_shape("conv2d", "b", b, {p.c_out});
  check_shape("conv2d", "y", y, output_shape(p));
  check_indexable("conv2d", device, p);
  const float *px = x.data(), *pw = w.data(), *pb = b.data(), *pu = filters ? filters->data() : nullptr;
  float* py = y.data();
  dispatch(
      "conv2d", device,
      [&] {
        if (pu)
          conv2d_forward_winograd_filters_cpu(p, px, pu, pb, relu, py);
        else
          conv2d_forward_cpu(p, px, pw, pb, relu, py);
      },
      [&](Stream s) {
        Tensor own;
        float* sums = split_scratch("conv2d", conv2d_forward_split(p), scratch, own);
        conv2d_forward_cuda(p, px, pw, pb, relu, py, sums, math, s);
      });
}

// The backward-data convolution, with the CPU's Winograd filters when `filters` holds them, and on
// CUDA Wᵀ when `transposed` holds it (else re-laid for the call).
void backward_data(const Tensor& dy, const Tensor& w, const Tensor* filters, const Tensor* transposed,
                   const Tensor* gate, Tensor& dx, ConvGeometry geometry, ConvMath math, Tensor* scratch) {
  const char* op = "conv2d_backward_data";
  const Device device = gate != nullptr ? common_device(op, {&dy, &w, gate, &dx}) : common_device(op, {&dy, &w, &dx});
  const Conv2dParams p = conv_params(op, dx.shape(), w, geometry);
  check_shape(op, "dy", dy, output_shape(p));
  if (gate != nullptr) check_shape(op, "gate", *gate, dx.shape());
  check_indexable(op, device, p);
  const float *pdy = dy.data(), *pw = w.data(), *pg = gate != nullptr ? gate->data() : nullptr;
  const float* pu = filters ? filters->data() : nullptr;
  float* pdx = dx.data();
  dispatch(
      op, device,
      [&] {
        if (pu)
          conv2d_backward_data_winograd_filters_cpu(p, pdy, pu, pg, pdx);
        else
          conv2d_backward_data_cpu(p, pdy, pw, pg, pdx);
      },
      [&](Stream s) {
        Tensor own, own_transposed;
        float* sums = split_scratch(op, conv2d_backward_data_split(p), scratch, own);
        if (transposed == nullptr) {
          own_transposed = Tensor(transposed_shape(p), Device::cuda);
          conv2d_transposed_weights_cuda(p, pw, own_transposed.data(), s);
        }
        const float* pwt = transposed != nullptr ? transposed->data() : own_transposed.data();
        conv2d_backward_data_cuda(p, pdy, pwt, pg, pdx, sums, math, s);
      });
}

}  // namespace

void conv2d(const Tensor& x, const Tensor& w, const Tensor& b, bool relu, Tensor& y, ConvGeometry geometry,
            ConvMath math) {
  forward(x, w, nullptr, b, relu, y, geometry, math, nullptr);
}

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, bool relu, ConvGeometry geometry, ConvMath math) {
  Tensor y(output_shape(conv_params("conv2d", x.shape(), w, geometry)), x.device());
  conv2d(x, w, b, relu, y, geometry, math);
  return y;
}

void conv2d_backward_data(const Tensor& dy, const Tensor& w, const Tensor* gate, Tensor& dx, ConvGeometry geometry,
                          ConvMath math) {
  backward_data(dy, w, nullptr, nullptr, gate, dx, geometry, math, nullptr);
}

Tensor conv2d_backward_data(const Tensor& dy, const Tensor& w, const Shape& x_shape, const Tensor* gate,
                            ConvGeometry geometry, ConvMath math) {
  Tensor dx(x_shape, dy.device());
  conv2d_backward_data(dy, w, gate, dx, geometry, math);
  return dx;
}

PreparedConvWeights::PreparedConvWeights(Tensor w, ConvGeometry geometry) : w_(std::move(w)), geometry_(geometry) {
  const char* op = "prepared conv2d weights";
  check_rank(op, "w", w_, 4);
  // Winograd's choice depends on the kernel, the geometry and the channels, not on the image.
  const Conv2dParams p = conv_params(op, {1, w_.dim(1), w_.dim(2), w_.dim(3)}, w_, geometry);
  if (w_.device() == Device::cuda) {
    check_indexable(op, Device::cuda, p);
    transposed_ = Tensor(transposed_shape(p), Device::cuda);
    dispatch(
        op, Device::cuda, [] {},
        [&](Stream s) { conv2d_transposed_weights_cuda(p, w_.data(), transposed_.data(), s); });
    return;
  }
  winograd_ = winograd_applies(p);
  if (!winograd_) return;
  forward_filters_ = Tensor({winograd_filter_floats(p)}, Device::cpu);
  backward_filters_ = Tensor({winograd_filter_floats(p)}, Device::cpu);
  ::nst::winograd_filters(p, w_.data(), /*backward=*/false, forward_filters_.data());
  ::nst::winograd_filters(p, w_.data(), /*backward=*/true, backward_filters_.data());
}

std::size_t PreparedConvWeights::bytes(const Shape& w_shape, ConvGeometry geometry, Device device) {
  NST_CHECK(w_shape.size() == 4, "prepared conv2d weights: shape " << to_string(w_shape) << " is not of rank 4");
  std::size_t total = tensor_bytes(w_shape, device) + tensor_bytes({w_shape[0]}, device);  // w_ and the layer's bias
  const Conv2dParams p = shape_params({1, w_shape[1], w_shape[2], w_shape[3]}, w_shape, geometry);
  if (device == Device::cuda) return total + tensor_bytes(transposed_shape(p), device);
  if (winograd_applies(p)) total += 2 * tensor_bytes({winograd_filter_floats(p)}, device);  // both directions' filters
  return total;
}

CpuConvScratch conv2d_cpu_scratch(const Shape& x_shape, const Shape& w_shape, ConvGeometry geometry) {
  NST_CHECK(w_shape.size() == 4, "conv2d_cpu_scratch: weights shape " << to_string(w_shape) << " is not of rank 4");
  NST_CHECK(x_shape.size() == 4, "conv2d_cpu_scratch: input shape " << to_string(x_shape) << " is not of rank 4");
  return ::nst::conv2d_cpu_scratch(shape_params(x_shape, w_shape, geometry));
}

const Tensor* PreparedConvWeights::winograd_filters(bool backward) const {
  if (!winograd_) return nullptr;
  return backward ? &backward_filters_ : &forward_filters_;
}

std::int64_t conv2d_cuda_scratch_floats(const Shape& x_shape, const Shape& w_shape, ConvGeometry geometry) {
  NST_CHECK(x_shape.size() == 4 && w_shape.size() == 4, "conv2d_cuda_scratch_floats: shapes "
                                                            << to_string(x_shape) << " and " << to_string(w_shape)
                                                            << " are not of rank 4");
  const Conv2dParams p = shape_params(x_shape, w_shape, geometry);
  return std::max(
      {conv2d_forward_split(p).scratch_floats(), conv2d_backward_data_split(p).scratch_floats(), std::int64_t{1}});
}

void conv2d(const Tensor& x, const PreparedConvWeights& w, const Tensor& b, bool relu, Tensor& y, ConvMath math,
            Tensor* scratch) {
  forward(x, w.weights(), w.winograd_filters(false), b, relu, y, w.geometry(), math, scratch);
}

void conv2d_backward_data(const Tensor& dy, const PreparedConvWeights& w, const Tensor* gate, Tensor& dx, ConvMath math,
                          Tensor* scratch) {
  backward_data(dy, w.weights(), w.winograd_filters(true), w.transposed(), gate, dx, w.geometry(), math, scratch);
}

}  // namespace nst::ops
