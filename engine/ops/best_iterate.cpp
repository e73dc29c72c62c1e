#include "engine/ops/best_iterate.h"

#include "engine/ops/dispatch.h"
#include "kernels/best_iterate.h"

namespace nst::ops {

void keep_if_lower(const Tensor& loss, const Tensor& x, Tensor& best_x, Tensor& state) {
  const Device device = common_device("keep_if_lower", {&loss, &x, &best_x, &state});
  check_scalar("keep_if_lower", "loss", loss);
  check_same_numel("keep_if_lower", x, best_x);
  check_shape("keep_if_lower", "state", state, {3});
  const float *pl = loss.data(), *px = x.data();
  float *pb = best_x.data(), *ps = state.data();
  const auto n = x.numel();
  dispatch(
      "keep_if_lower", device, [&] { keep_if_lower_cpu(n, pl, px, pb, ps); },
      [&](Stream s) { keep_if_lower_cuda(n, pl, px, pb, ps, s); });
}

}  // namespace nst::ops
