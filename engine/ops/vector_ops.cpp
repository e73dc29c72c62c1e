#include "engine/ops/vector_ops.h"

#include "engine/ops/dispatch.h"
#include "kernels/reduce.h"
#include "kernels/vector_ops.h"

namespace nst::ops {

void fill(Tensor& y, float value) {
  float* py = y.data();
  const auto n = y.numel();
  dispatch(
      "fill", y.device(), [&] { fill_cpu(n, value, py); }, [&](Stream s) { fill_cuda(n, value, py, s); });
}

void scale(Tensor& y, float alpha) {
  float* py = y.data();
  const auto n = y.numel();
  dispatch(
      "scale", y.device(), [&] { scale_cpu(n, alpha, py); }, [&](Stream s) { scale_cuda(n, alpha, py, s); });
}

void axpy(float alpha, const Tensor& x, Tensor& y) {
  const Device device = common_device("axpy", {&x, &y});
  check_same_numel("axpy", x, y);
  const float* px = x.data();
  float* py = y.data();
  const auto n = y.numel();
  dispatch(
      "axpy", device, [&] { axpy_cpu(n, alpha, px, py); }, [&](Stream s) { axpy_cuda(n, alpha, px, py, s); });
}

void scale_ratio(const Tensor& num, const Tensor& den, Tensor& y) {
  const Device device = common_device("scale_ratio", {&num, &den, &y});
  check_scalar("scale_ratio", "num", num);
  check_scalar("scale_ratio", "den", den);
  const float *pn = num.data(), *pd = den.data();
  float* py = y.data();
  const auto n = y.numel();
  dispatch(
      "scale_ratio", device, [&] { scale_ratio_cpu(n, pn, pd, py); },
      [&](Stream s) { scale_ratio_cuda(n, pn, pd, py, s); });
}

void clamp(Tensor& y, float lo, float hi) {
  NST_CHECK(lo <= hi, "clamp: lower bound " << lo << " above upper bound " << hi);
  float* py = y.data();
  const auto n = y.numel();
  dispatch(
      "clamp", y.device(), [&] { clamp_cpu(n, lo, hi, py); }, [&](Stream s) { clamp_cuda(n, lo, hi, py, s); });
}

void dot(const Tensor& x, const Tensor& y, Tensor& out) {
  const Device device = common_device("dot", {&x, &y, &out});
  check_same_numel("dot", x, y);
  check_scalar("dot", "out", out);
  const float *px = x.data(), *py = y.data();
  float* po = out.data();
  const auto n = x.numel();
  dispatch(
      "dot", device, [&] { dot_cpu(n, px, py, po); },
      [&](Stream s) { dot_cuda(n, px, py, po, cuda_reduction_scratch(), s); });
}

void asum(const Tensor& x, Tensor& out) {
  const Device device = common_device("asum", {&x, &out});
  check_scalar("asum", "out", out);
  const float* px = x.data();
  float* po = out.data();
  const auto n = x.numel();
  dispatch(
      "asum", device, [&] { asum_cpu(n, px, po); },
      [&](Stream s) { asum_cuda(n, px, po, cuda_reduction_scratch(), s); });
}

Tensor dot(const Tensor& x, const Tensor& y) {
  Tensor out({1}, x.device());
  dot(x, y, out);
  return out;
}

Tensor asum(const Tensor& x) {
  Tensor out({1}, x.device());
  asum(x, out);
  return out;
}

}  // namespace nst::ops
