// CUDA vector ops and reductions against the CPU ops, on fresh random inputs, outputs poisoned
// with NaN first. Elementwise: the same float operations, so rtol 1e-6. Reductions: float partial
// sums in a different order than the CPU's double ones: |a-b| <= 1e-5·Σ|terms| (the float
// rounding error bound for n ≲ 10^6 with a tree of depth ~20), and bitwise repeatable.
#include <cmath>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include "engine/gpu.h"
#include "engine/ops/vector_ops.h"
#include "kernels/reduce.h"
#include "tests/support/compare.h"
#include "tests/support/gpu.h"
#include "tests/support/random.h"

namespace nst::testing {
namespace {

class CudaVectorOpsTest : public ::testing::TestWithParam<std::int64_t> {};

TEST_P(CudaVectorOpsTest, ElementwiseOpsMatchCpu) {
  NST_REQUIRE_CUDA();
  const std::int64_t n = GetParam();
  const Tensor x = random_tensor({n}, 11), y0 = random_tensor({n}, 12);
  const Tensor num = Tensor::filled({1}, 0.75f, Device::cpu), den = Tensor::filled({1}, -1.5f, Device::cpu);
  const Tensor gx = x.to(Device::cuda), gnum = num.to(Device::cuda), gden = den.to(Device::cuda);
  const Tolerance tol{1e-7, 1e-6};

  auto check = [&](const char* what, auto&& op_cpu, auto&& op_cuda) {
    Tensor c = y0.clone();
    op_cpu(c);
    Tensor g = Tensor::filled({n}, NAN, Device::cuda);
    g.copy_from(y0);
    op_cuda(g);
    EXPECT_TRUE(all_close(g.to_host(), c.to_host(), tol)) << what;
  };
  check(
      "axpy", [&](Tensor& t) { ops::axpy(0.5f, x, t); }, [&](Tensor& t) { ops::axpy(0.5f, gx, t); });
  check(
      "scale", [&](Tensor& t) { ops::scale(t, -2.0f); }, [&](Tensor& t) { ops::scale(t, -2.0f); });
  check(
      "clamp", [&](Tensor& t) { ops::clamp(t, -0.25f, 0.5f); }, [&](Tensor& t) { ops::clamp(t, -0.25f, 0.5f); });
  check(
      "scale_ratio", [&](Tensor& t) { ops::scale_ratio(num, den, t); },
      [&](Tensor& t) { ops::scale_ratio(gnum, gden, t); });
  Tensor filled = Tensor::filled({n}, NAN, Device::cuda);
  ops::fill(filled, 3.5f);
  EXPECT_TRUE(all_close(filled.to_host(), std::vector<double>(n, 3.5), tol)) << "fill";
}

TEST_P(CudaVectorOpsTest, ReductionsMatchCpu) {
  NST_REQUIRE_CUDA();
  const std::int64_t n = GetParam();
  const Tensor x = random_tensor({n}, 13), y = random_tensor({n}, 14);
  const Tensor gx = x.to(Device::cuda), gy = y.to(Device::cuda);
  const double abs_total = ops::asum(x).item() + 1.0;
  const Tolerance tol{1e-5 * abs_total, 0.0};
  auto poisoned = [] { return Tensor::filled({1}, NAN, Device::cuda); };
  Tensor out = poisoned();
  ops::dot(gx, gy, out);
  EXPECT_TRUE(all_close(out.to_host(), ops::dot(x, y).to_host(), tol)) << "dot";
  out = poisoned();
  ops::asum(gx, out);
  EXPECT_TRUE(all_close(out.to_host(), ops::asum(x).to_host(), tol)) << "asum";
}

INSTANTIATE_TEST_SUITE_P(Sizes, CudaVectorOpsTest, ::testing::Values(1, 7, 257, 131073, 1000003));

TEST(CudaVectorOps, ReductionIsBitwiseRepeatable) {
  NST_REQUIRE_CUDA();
  const Tensor x = random_tensor({(1 << 20) + 5}, 15, Device::cuda);
  const std::vector<float> first = ops::asum(x).to_host();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(all_equal(ops::asum(x).to_host(), first));
}

TEST(CudaVectorOps, SmallIntegerDotIsExact) {
  NST_REQUIRE_CUDA();
  const std::int64_t n = 100001;
  const Tensor x = Tensor::from_host({n}, random_integers(n, 16), Device::cpu);
  const Tensor y = Tensor::from_host({n}, random_integers(n, 17), Device::cpu);
  EXPECT_TRUE(all_equal(ops::dot(x.to(Device::cuda), y.to(Device::cuda)).to_host(), ops::dot(x, y).to_host()));
}

// The reductions keep their partial sums in the scratch the caller passes in (kernels/reduce.h): a
// scratch of the test's own, poisoned with NaN, gives the bits of the context's scratch, every
// partial in it is written (no NaN left; their sum, in double, is the dot within the bound above),
// and the context's scratch is left as it was.
TEST(CudaVectorOps, ReductionUsesTheCallersScratch) {
  NST_REQUIRE_CUDA();
  const std::int64_t n = (1 << 18) + 3;
  const Tensor x = random_tensor({n}, 18, Device::cuda), y = random_tensor({n}, 19, Device::cuda);
  const std::vector<float> expected = ops::dot(x, y).to_host();
  std::vector<float> context_before(kReductionScratchFloats), context_after(kReductionScratchFloats);
  const std::size_t scratch_bytes = context_before.size() * sizeof(float);
  cuda_copy_bytes(context_before.data(), Device::cpu, cuda_reduction_scratch(), Device::cuda, scratch_bytes);

  Tensor scratch = Tensor::filled({kReductionScratchFloats}, NAN, Device::cuda);
  Tensor out = Tensor::filled({1}, NAN, Device::cuda);
  dot_cuda(n, x.data(), y.data(), out.data(), scratch.data(), cuda_stream());
  cuda_check_launch("dot_cuda", __FILE__, __LINE__);
  EXPECT_TRUE(all_equal(out.to_host(), expected));

  double partials_total = 0.0;
  for (const float partial : scratch.to_host()) {
    ASSERT_FALSE(std::isnan(partial)) << "a block's partial was not written to the caller's scratch";
    partials_total += partial;
  }
  const std::vector<float> hx = x.to_host(), hy = y.to_host();
  double abs_total = 1.0;
  for (std::size_t i = 0; i < hx.size(); ++i) abs_total += std::fabs(double(hx[i]) * hy[i]);
  EXPECT_NEAR(partials_total, expected[0], 1e-5 * abs_total);
  cuda_copy_bytes(context_after.data(), Device::cpu, cuda_reduction_scratch(), Device::cuda, scratch_bytes);
  EXPECT_TRUE(std::memcmp(context_before.data(), context_after.data(), scratch_bytes) == 0)
      << "the context's scratch was written by a reduction given another";
}

}  // namespace
}  // namespace nst::testing
