// CUDA Gram matrix against the CPU op (OpenBLAS), on fresh inputs, the CUDA
// output poisoned with NaN first so that an element the kernels never write fails.
//
// Bound, per element: |cuda − cpu| ≤ 1e-5·Σ|terms| + 1e-6, where Σ|terms| is the same op on the
// absolute values of its input (Σ_m |F[i,m]|·|F[j,m]|). Both sides add the same float products in different orders
// (BLAS blocks on the CPU; on the GPU one fma chain per slice of M, ≤ 272 positions for the shapes here, then the
// slices in order), each with an error of about √K·2⁻²⁴·Σ|terms| for independent roundings: ≤ 3.8e-6·Σ|terms| even for
// one chain over the largest K here (M = 4096 at relu3_1), so 1e-5 leaves a margin. An indexing error (a term missing,
// doubled or from the wrong row, a slice or tile dropped) moves a result by at least one term, ~Σ|terms|/K
// ≥ 2.4e-4·Σ|terms|. The 1e-6 covers results whose terms are all zero. Small-integer inputs (in [−3, 3]): every product
// and partial sum is an integer below 2²⁴, exact in float in any order, so there the CUDA result must equal the CPU one
// bit for bit. Every test runs in each math of the CUDA kernels (kernels/gemm_math.h) with the bound derived from it in
// tests/support/gemm_maths.h (fp32 1e-5 as above, tf32 1e-3, tf32x3 2e-5); small integers are exact in TF32, so bitwise
// in every math.
#include <cmath>
#include <cstdint>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "engine/ops/gram.h"
#include "tests/support/cases.h"
#include "tests/support/compare.h"
#include "tests/support/emulated_gpu.h"
#include "tests/support/gemm_maths.h"
#include "tests/support/gpu.h"
#include "tests/support/random.h"
#include "tests/support/rounding_bound.h"

namespace nst::testing {
namespace {

Shape shape_of(const ImageShape& s) { return {s.n, s.c, s.h, s.w}; }

// The awkward shapes, and shapes that take the kernels' other paths: C = 140 has a diagonal and an
// off-diagonal 128×128 tile, both partial; M = 1600 and 5183 (odd) split the reduction over M into
// slices, the last one short.
std::vector<ImageShape> gram_shapes() {
  std::vector<ImageShape> shapes = awkward_shapes();
  shapes.push_back({2, 70, 40, 40});
  shapes.push_back({1, 140, 7, 9});
  shapes.push_back({1, 3, 71, 73});
  return shapes;
}

// relu3_1 of VGG19 at 256 px: C = 256 (2 tile rows, 3 upper tiles), M = 64·64 = 4096; under the
// emulator M = 32·32 = 1024, still split into slices (tests/support/emulated_gpu.h).
const ImageShape kRelu3_1 = gpu_or_emulated(vgg19_shapes_256()[2], ImageShape{1, 256, 32, 32, true});

// G on the GPU, into a poisoned output.
Tensor cuda_gram(const Tensor& f, GemmMath math) {
  Tensor g = Tensor::filled({f.dim(0), f.dim(1), f.dim(1)}, NAN, Device::cuda);
  ops::gram(f.to(Device::cuda), g, math);
  return g;
}

// Each G the kernels write is symmetric bit for bit: the mirror of a tile holds the same floats.
::testing::AssertionResult exactly_symmetric(const Tensor& g) {
  const std::vector<float> v = g.to_host();
  const std::int64_t images = g.dim(0), c = g.dim(1);
  for (std::int64_t n = 0; n < images; ++n)
    for (std::int64_t i = 0; i < c; ++i)
      for (std::int64_t j = 0; j < i; ++j)
        if (!(v[(n * c + i) * c + j] == v[(n * c + j) * c + i]))
          return ::testing::AssertionFailure()
                 << "image " << n << ": G[" << i << "][" << j << "] = " << v[(n * c + i) * c + j] << " but G[" << j
                 << "][" << i << "] = " << v[(n * c + j) * c + i];
  return ::testing::AssertionSuccess();
}

void expect_forward_matches_cpu(const Tensor& f, GemmMath math) {
  const Tensor g = cuda_gram(f, math);
  EXPECT_TRUE(within_rounding(g, ops::gram(f), ops::gram(absolute(f)), rtol_of(math)));
  EXPECT_TRUE(exactly_symmetric(g));
}

class CudaGramTest : public ::testing::TestWithParam<std::tuple<ImageShape, GemmMath>> {
 protected:
  const ImageShape& shape() const { return std::get<0>(GetParam()); }
  GemmMath math() const { return std::get<1>(GetParam()); }
};

TEST_P(CudaGramTest, ForwardMatchesCpu) {
  NST_REQUIRE_CUDA();
  expect_forward_matches_cpu(random_tensor(shape_of(shape()), 41), math());
}

TEST_P(CudaGramTest, SmallIntegersAreExact) {
  NST_REQUIRE_CUDA();
  const ImageShape s = shape();
  const Tensor f = integer_tensor(shape_of(s), 44);
  EXPECT_TRUE(all_equal(cuda_gram(f, math()).to_host(), ops::gram(f).to_host()));
}

// Every shape in FP32; on the tensor cores every shape on a GPU, and under the emulator (each MMA a
// warp collective) the three that take the split reduction and both kinds of tile.
std::vector<std::tuple<ImageShape, GemmMath>> shape_maths() {
  std::vector<std::tuple<ImageShape, GemmMath>> cases;
  const std::vector<ImageShape> all = gram_shapes();
  const std::vector<ImageShape> tensor_core_shapes =
      gpu_or_emulated(all, std::vector<ImageShape>(all.end() - 3, all.end()));
  for (const ImageShape& s : all) cases.emplace_back(s, GemmMath::fp32);
  for (const GemmMath math : {GemmMath::tf32, GemmMath::tf32x3})
    for (const ImageShape& s : tensor_core_shapes) cases.emplace_back(s, math);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Shapes, CudaGramTest, ::testing::ValuesIn(shape_maths()), [](const auto& test) {
  return describe(std::get<0>(test.param)) + "_" + name_of(std::get<1>(test.param));
});

// ReLU features are ≥ 0, so all terms have one sign: the case where rounding errors do not cancel.
TEST(CudaGram, Relu3_1MatchesCpu) {
  NST_REQUIRE_CUDA();
  const Tensor f = random_tensor(shape_of(kRelu3_1), 46, Device::cpu, 0.0f, 1.0f);
  for (const GemmMath math : large_case_maths()) {
    SCOPED_TRACE(name_of(math));
    expect_forward_matches_cpu(f, math);
  }
}

TEST(CudaGram, ForwardIsBitwiseRepeatable) {
  NST_REQUIRE_CUDA();
  const Tensor f = random_tensor(shape_of(kRelu3_1), 48, Device::cpu, 0.0f, 1.0f);
  for (const GemmMath math : {GemmMath::fp32, GemmMath::tf32x3})
    EXPECT_TRUE(all_equal(cuda_gram(f, math).to_host(), cuda_gram(f, math).to_host())) << name_of(math);
}

}  // namespace
}  // namespace nst::testing
