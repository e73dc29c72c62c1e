#include "engine/ops/pool2d.h"

#include "engine/ops/dispatch.h"
#include "kernels/pool2d.h"

namespace nst::ops {

namespace {

const char* op_name(PoolKind kind) { return kind == PoolKind::max ? "max_pool2d" : "avg_pool2d"; }
const char* backward_name(PoolKind kind) {
  return kind == PoolKind::max ? "max_pool2d_backward" : "avg_pool2d_backward";
}

// The pooling geometry of an (N, C, H, W) input with H, W ≥ 2 (a smaller input has no window).
Pool2dParams pool_params(const char* op, const Tensor& x) {
  check_rank(op, "x", x, 4);
  const Pool2dParams p{x.dim(0), x.dim(1), x.dim(2), x.dim(3)};
  NST_CHECK(p.h >= 2 && p.w >= 2,
            op << ": x has shape " << to_string(x.shape()) << ", a 2x2 window needs H and W of at least 2");
  return p;
}

Shape pooled_shape(const Pool2dParams& p) { return {p.n, p.c, p.out_h(), p.out_w()}; }

}  // namespace

void pool2d(PoolKind kind, const Tensor& x, Tensor& y) {
  const char* op = op_name(kind);
  const Device device = common_device(op, {&x, &y});
  const Pool2dParams p = pool_params(op, x);
  check_shape(op, "y", y, pooled_shape(p));
  const float* px = x.data();
  float* py = y.data();
  if (kind == PoolKind::max)
    dispatch(
        op, device, [&] { max_pool2d_forward_cpu(p, px, py); },
        [&](Stream s) { max_pool2d_forward_cuda(p, px, py, s); });
  else
    dispatch(
        op, device, [&] { avg_pool2d_forward_cpu(p, px, py); },
        [&](Stream s) { avg_pool2d_forward_cuda(p, px, py, s); });
}

Tensor pool2d(PoolKind kind, const Tensor& x) {
  Tensor y(pooled_shape(pool_params(op_name(kind), x)), x.device());
  pool2d(kind, x, y);
  return y;
}

void pool2d_backward(PoolKind kind, const Tensor& x, const Tensor& dy, Tensor& dx) {
  const char* op = backward_name(kind);
  const Device device = common_device(op, {&x, &dy, &dx});
  const Pool2dParams p = pool_params(op, x);
  check_shape(op, "dy", dy, pooled_shape(p));
  check_shape(op, "dx", dx, x.shape());
  const float *px = x.data(), *pdy = dy.data();
  float* pdx = dx.data();
  if (kind == PoolKind::max)
    dispatch(
        op, device, [&] { max_pool2d_backward_cpu(p, px, pdy, pdx); },
        [&](Stream s) { max_pool2d_backward_cuda(p, px, pdy, pdx, s); });
  else
    dispatch(
        op, device, [&] { avg_pool2d_backward_cpu(p, pdy, pdx); },
        [&](Stream s) { avg_pool2d_backward_cuda(p, pdy, pdx, s); });
}

Tensor pool2d_backward(PoolKind kind, const Tensor& x, const Tensor& dy) {
  Tensor dx(x.shape(), x.device());
  pool2d_backward(kind, x, dy, dx);
  return dx;
}

}  // namespace nst::ops
