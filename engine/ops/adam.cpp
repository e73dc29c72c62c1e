#include "engine/ops/adam.h"

#include "engine/ops/dispatch.h"

namespace nst::ops {

void adam_step(const AdamParams& params, const Tensor& grad, Tensor& m, Tensor& v, Tensor& x) {
  const Device device = common_device("adam_step", {&grad, &m, &v, &x});
  check_shape("adam_step", "grad", grad, x.shape());
  check_shape("adam_step", "m", m, x.shape());
  check_shape("adam_step", "v", v, x.shape());
  NST_CHECK(params.step >= 1, "adam_step: step " << params.step << ", expected t >= 1 (counted from 1)");
  NST_CHECK(params.beta1 >= 0.0f && params.beta1 < 1.0f && params.beta2 >= 0.0f && params.beta2 < 1.0f,
            "adam_step: beta1 " << params.beta1 << ", beta2 " << params.beta2 << ", expected both in [0, 1)");
  const float* pg = grad.data();
  float *pm = m.data(), *pv = v.data(), *px = x.data();
  const auto n = x.numel();
  dispatch(
      "adam_step", device, [&] { adam_step_cpu(n, params, pg, pm, pv, px); },
      [&](Stream s) { adam_step_cuda(n, params, pg, pm, pv, px, s); });
}

}  // namespace nst::ops
