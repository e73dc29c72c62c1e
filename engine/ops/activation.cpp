#include "engine/ops/activation.h"

#include "engine/ops/dispatch.h"
#include "kernels/relu.h"

namespace nst::ops {

void relu(const Tensor& x, Tensor& y) {
  const Device device = common_device("relu", {&x, &y});
  check_shape("relu", "y", y, x.shape());
  const float* px = x.data();
  float* py = y.data();
  const auto n = x.numel();
  dispatch(
      "relu", device, [&] { relu_forward_cpu(n, px, py); }, [&](Stream s) { relu_forward_cuda(n, px, py, s); });
}

Tensor relu(const Tensor& x) {
  Tensor y(x.shape(), x.device());
  relu(x, y);
  return y;
}

void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  const Device device = common_device("relu_backward", {&y, &dy, &dx});
  check_shape("relu_backward", "dy", dy, y.shape());
  check_shape("relu_backward", "dx", dx, y.shape());
  const float *py = y.data(), *pdy = dy.data();
  float* pdx = dx.data();
  const auto n = y.numel();
  dispatch(
      "relu_backward", device, [&] { relu_backward_cpu(n, py, pdy, pdx); },
      [&](Stream s) { relu_backward_cuda(n, py, pdy, pdx, s); });
}

Tensor relu_backward(const Tensor& y, const Tensor& dy) {
  Tensor dx(y.shape(), y.device());
  relu_backward(y, dy, dx);
  return dx;
}

}  // namespace nst::ops
