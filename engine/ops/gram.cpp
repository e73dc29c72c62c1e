#include "engine/ops/gram.h"

#include <algorithm>
#include <string>

#include "engine/ops/dispatch.h"
#include "kernels/cuda_limits.h"
#include "kernels/gram.h"

namespace nst::ops {

namespace {
// The (N, C, C) shape of the Gram matrices of features f (N, C, H, W).
Shape gram_shape(const char* op, const Tensor& f) {
  check_rank(op, "f", f, 4);
  NST_CHECK(f.numel() > 0, op << ": f has shape " << to_string(f.shape()) << ", expected no empty dimension");
  return {f.dim(0), f.dim(1), f.dim(1)};
}

// Refuses, before any launch, features larger than the CUDA kernels can index (kernels/cuda_limits.h).
void check_indexable(const char* op, const Tensor& f) {
  if (f.device() != Device::cuda) return;
  const std::string why = gram_cuda_unindexable(f.dim(1), f.dim(2) * f.dim(3));
  NST_CHECK(why.empty(),
            op << ": f of shape " << to_string(f.shape()) << " is too large for the CUDA kernels: " << why);
}
}  // namespace

std::int64_t gram_scratch_floats(const Tensor& f) {
  check_rank("gram", "f", f, 4);
  return std::max<std::int64_t>(gram_split(f.dim(1), f.dim(2) * f.dim(3)).scratch_floats(), 1);
}

void gram(const Tensor& f, Tensor& g, GemmMath math, Tensor* scratch) {
  const Device device = common_device("gram", {&f, &g});
  check_shape("gram", "g", g, gram_shape("gram", f));
  check_indexable("gram", f);
  const std::int64_t images = f.dim(0), c = f.dim(1), m = f.dim(2) * f.dim(3);
  const float* pf = f.data();
  float* pg = g.data();
  dispatch(
      "gram", device,
      [&] {
        for (std::int64_t i = 0; i < images; ++i) gram_forward_cpu(c, m, pf + i * c * m, pg + i * c * c);
      },
      [&](Stream s) {
        // The split reduction's partial tiles (kernels/gram.h), shared by the images in turn: the
        // kernels of one stream run in order.
        Tensor own;
        if (scratch == nullptr || scratch->numel() < gram_split(c, m).scratch_floats()) {
          NST_CHECK(scratch == nullptr, "gram: scratch of " << scratch->numel() << " floats, expected at least "
                                                            << gram_split(c, m).scratch_floats());
          own = Tensor({gram_scratch_floats(f)}, Device::cuda);
          scratch = &own;
        }
        for (std::int64_t i = 0; i < images; ++i)
          gram_forward_cuda(c, m, pf + i * c * m, pg + i * c * c, scratch->data(), math, s);
      });
}

Tensor gram(const Tensor& f, GemmMath math) {
  Tensor g(gram_shape("gram", f), f.device());
  gram(f, g, math);
  return g;
}

}  // namespace nst::ops
