#include "engine/ops/strong_wolfe.h"

#include "engine/ops/dispatch.h"

namespace nst::ops {

namespace {

void check_state(const char* op, const Tensor& state, const Tensor& status) {
  check_shape(op, "state", state, {kStrongWolfeStateSize});
  check_scalar(op, "status", status);
}

}  // namespace

void strong_wolfe_begin(const Tensor& phi0, const Tensor& derivative0, const Tensor& direction_norm_squared,
                        const Tensor& t0_numerator, const Tensor& t0_denominator, Tensor& state, Tensor& status) {
  const char* op = "strong_wolfe_begin";
  const Device device = common_device(
      op, {&phi0, &derivative0, &direction_norm_squared, &t0_numerator, &t0_denominator, &state, &status});
  check_scalar(op, "phi0", phi0);
  check_scalar(op, "derivative0", derivative0);
  check_scalar(op, "direction_norm_squared", direction_norm_squared);
  check_scalar(op, "t0_numerator", t0_numerator);
  check_scalar(op, "t0_denominator", t0_denominator);
  check_state(op, state, status);
  const float *p0 = phi0.data(), *d0 = derivative0.data(), *norm = direction_norm_squared.data();
  const float *num = t0_numerator.data(), *den = t0_denominator.data();
  float *ps = state.data(), *pst = status.data();
  dispatch(
      op, device, [&] { strong_wolfe_begin_cpu(p0, d0, norm, num, den, ps, pst); },
      [&](Stream s) { strong_wolfe_begin_cuda(p0, d0, norm, num, den, ps, pst, s); });
}

void strong_wolfe_advance(const Tensor& phi, const Tensor& derivative, Tensor& state, Tensor& status) {
  const char* op = "strong_wolfe_advance";
  const Device device = common_device(op, {&phi, &derivative, &state, &status});
  check_scalar(op, "phi", phi);
  check_scalar(op, "derivative", derivative);
  check_state(op, state, status);
  const float *pp = phi.data(), *pd = derivative.data();
  float *ps = state.data(), *pst = status.data();
  dispatch(
      op, device, [&] { strong_wolfe_advance_cpu(pp, pd, ps, pst); },
      [&](Stream s) { strong_wolfe_advance_cuda(pp, pd, ps, pst, s); });
}

void strong_wolfe_point(const Tensor& x0, const Tensor& state, const Tensor& d, Tensor& x) {
  const char* op = "strong_wolfe_point";
  const Device device = common_device(op, {&x0, &state, &d, &x});
  check_shape(op, "state", state, {kStrongWolfeStateSize});
  check_same_numel(op, x0, d);
  check_same_numel(op, x0, x);
  const float *px0 = x0.data(), *ps = state.data(), *pd = d.data();
  float* px = x.data();
  const auto n = x.numel();
  dispatch(
      op, device, [&] { strong_wolfe_point_cpu(n, px0, ps, pd, px); },
      [&](Stream s) { strong_wolfe_point_cuda(n, px0, ps, pd, px, s); });
}

StrongWolfeStatus read_strong_wolfe_status(const Tensor& status) {
  const float value = status.item();
  NST_CHECK(value >= kSwEvaluate && value <= kSwNoDescent, "strong-Wolfe status " << value << " is none known");
  return static_cast<StrongWolfeStatus>(static_cast<int>(value));
}

}  // namespace nst::ops
