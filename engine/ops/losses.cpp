#include "engine/ops/losses.h"

#include <string>

#include "engine/ops/dispatch.h"
#include "kernels/cuda_limits.h"
#include "kernels/losses.h"

namespace nst::ops {

void content_loss(const Tensor& f, const Tensor& p, Tensor& loss) {
  const Device device = common_device("content_loss", {&f, &p, &loss});
  check_same_numel("content_loss", f, p);
  check_scalar("content_loss", "loss", loss);
  const float *pf = f.data(), *pp = p.data();
  float* pl = loss.data();
  const auto n = f.numel();
  dispatch(
      "content_loss", device, [&] { content_loss_cpu(n, pf, pp, pl); },
      [&](Stream s) { content_loss_cuda(n, pf, pp, pl, cuda_reduction_scratch(), s); });
}

void content_loss_backward(const Tensor& f, const Tensor& p, float weight, Tensor& df) {
  const Device device = common_device("content_loss_backward", {&f, &p, &df});
  check_same_numel("content_loss_backward", f, p);
  check_shape("content_loss_backward", "df", df, f.shape());
  const float *pf = f.data(), *pp = p.data();
  float* pdf = df.data();
  const auto n = f.numel();
  dispatch(
      "content_loss_backward", device, [&] { content_loss_backward_cpu(n, pf, pp, weight, pdf); },
      [&](Stream s) { content_loss_backward_cuda(n, pf, pp, weight, pdf, s); });
}

namespace {

struct StyleSizes {
  std::int64_t c, m;  // channels; positions H·W
};

// Checks features f (1, C, H, W), their Gram g and the target Gram a (both (1, C, C)).
StyleSizes style_sizes(const char* op, const Tensor& f, const Tensor& g, const Tensor& a) {
  check_rank(op, "f", f, 4);
  NST_CHECK(f.dim(0) == 1, op << ": f has shape " << to_string(f.shape()) << ", expected one image (1, C, H, W)");
  const std::int64_t c = f.dim(1);
  check_shape(op, "g", g, {1, c, c});
  check_shape(op, "a", a, {1, c, c});
  return {c, f.dim(2) * f.dim(3)};
}

}  // namespace

void style_loss(const Tensor& f, const Tensor& g, const Tensor& a, Tensor& loss) {
  const Device device = common_device("style_loss", {&f, &g, &a, &loss});
  const StyleSizes z = style_sizes("style_loss", f, g, a);
  check_scalar("style_loss", "loss", loss);
  const float *pg = g.data(), *pa = a.data();
  float* pl = loss.data();
  dispatch(
      "style_loss", device, [&] { style_loss_cpu(z.c, z.m, pg, pa, pl); },
      [&](Stream s) { style_loss_cuda(z.c, z.m, pg, pa, pl, cuda_reduction_scratch(), s); });
}

void style_loss_backward(const Tensor& f, const Tensor& g, const Tensor& a, float weight, Tensor& df, GemmMath math) {
  const Device device = common_device("style_loss_backward", {&f, &g, &a, &df});
  const StyleSizes z = style_sizes("style_loss_backward", f, g, a);
  check_shape("style_loss_backward", "df", df, f.shape());
  // Its kernel tiles C × M as the Gram's backward does (kernels/cuda_limits.h).
  const std::string why = device == Device::cuda ? gram_cuda_unindexable(z.c, z.m) : std::string();
  NST_CHECK(why.empty(), "style_loss_backward: f of shape " << to_string(f.shape())
                                                            << " is too large for the CUDA kernels: " << why);
  const float *pf = f.data(), *pg = g.data(), *pa = a.data();
  float* pdf = df.data();
  dispatch(
      "style_loss_backward", device, [&] { style_loss_backward_cpu(z.c, z.m, pf, pg, pa, weight, pdf); },
      [&](Stream s) { style_loss_backward_cuda(z.c, z.m, pf, pg, pa, weight, pdf, math, s); });
}

void tv_loss(const Tensor& x, Tensor& loss) {
  const Device device = common_device("tv_loss", {&x, &loss});
  check_rank("tv_loss", "x", x, 4);
  check_scalar("tv_loss", "loss", loss);
  const std::int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  const float* px = x.data();
  float* pl = loss.data();
  dispatch(
      "tv_loss", device, [&] { tv_loss_cpu(n, c, h, w, px, pl); },
      [&](Stream s) { tv_loss_cuda(n, c, h, w, px, pl, cuda_reduction_scratch(), s); });
}

void tv_loss_backward(const Tensor& x, float weight, Tensor& dx) {
  const Device device = common_device("tv_loss_backward", {&x, &dx});
  check_rank("tv_loss_backward", "x", x, 4);
  check_shape("tv_loss_backward", "dx", dx, x.shape());
  const std::int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  const float* px = x.data();
  float* pdx = dx.data();
  dispatch(
      "tv_loss_backward", device, [&] { tv_loss_backward_cpu(n, c, h, w, px, weight, pdx); },
      [&](Stream s) { tv_loss_backward_cuda(n, c, h, w, px, weight, pdx, s); });
}

}  // namespace nst::ops
