// The fixed tilings of SGEMM and SSYRK (kernels/cpu/tiled_blas.h) on shapes that cross their tile
// edges (128 × 512 for SGEMM; 128 × 128 tiles and 4096-column chunks for the Gram): small-integer
// operands make every product and partial sum an integer below 2²⁴, exact in float, so the results
// must equal the double reference bit for bit, wherever a tile, a chunk or a stride is misplaced by
// one; random operands must give the same bits on 1, 2 and 3 threads.
#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/cpu/tiled_blas.h"
#include "tests/support/random.h"
#include "tests/support/threads.h"

namespace nst::testing {
namespace {

// A batch of products C_i = alpha·op(A_i)·B_i + beta·C_i with padded leading dimensions.
struct GemmCase {
  bool transpose_a;
  std::int64_t batch = 2, m = 130, n = 515, k = 9;  // two row tiles and two column tiles, the last ragged
  std::int64_t lda() const { return (transpose_a ? m : k) + 3; }
  std::int64_t ldb() const { return n + 5; }
  std::int64_t ldc() const { return n + 2; }
  std::int64_t a_size() const { return (transpose_a ? k : m) * lda(); }
  std::int64_t b_size() const { return k * ldb(); }
  std::int64_t c_size() const { return m * ldc(); }
};

std::vector<float> run_gemm(const GemmCase& g, const std::vector<float>& a, const std::vector<float>& b,
                            std::vector<float> c) {
  sgemm_tiled(g.batch, g.a_size(), g.b_size(), g.c_size(), g.transpose_a, g.m, g.n, g.k, 2.0f, a.data(), g.lda(),
              b.data(), g.ldb(), 1.0f, c.data(), g.ldc());
  return c;
}

class SgemmTiledTest : public ::testing::TestWithParam<bool> {};

TEST_P(SgemmTiledTest, IsExactOnSmallIntegersAndLeavesThePaddingAlone) {
  const GemmCase g{GetParam()};
  const auto a = random_integers(g.batch * g.a_size(), 1), b = random_integers(g.batch * g.b_size(), 2);
  std::vector<float> c = random_integers(g.batch * g.c_size(), 3);
  for (std::int64_t i = 0; i < g.batch; ++i)  // NaN in C's padding columns: never read, never written
    for (std::int64_t r = 0; r < g.m; ++r)
      for (std::int64_t j = g.n; j < g.ldc(); ++j) c[(i * g.m + r) * g.ldc() + j] = NAN;
  const std::vector<float> result = run_gemm(g, a, b, c);
  std::size_t wrong = 0;
  for (std::int64_t i = 0; i < g.batch; ++i)
    for (std::int64_t r = 0; r < g.m; ++r)
      for (std::int64_t j = 0; j < g.ldc(); ++j) {
        const std::int64_t at = i * g.c_size() + r * g.ldc() + j;
        if (j >= g.n) {
          wrong += !std::isnan(result[at]);
          continue;
        }
        double expected = c[at];
        for (std::int64_t q = 0; q < g.k; ++q) {
          const float op_a = g.transpose_a ? a[i * g.a_size() + q * g.lda() + r] : a[i * g.a_size() + r * g.lda() + q];
          expected += 2.0 * op_a * b[i * g.b_size() + q * g.ldb() + j];
        }
        wrong += result[at] != expected;
      }
  EXPECT_EQ(wrong, 0u) << (g.transpose_a ? "op(A) = Aᵀ" : "op(A) = A");
}

TEST_P(SgemmTiledTest, GivesTheSameBitsOnOneTwoAndThreeThreads) {
  GemmCase g{GetParam()};
  g.k = 200;  // long sums, where a change of order would show
  const auto a = random_values(g.batch * g.a_size(), 4), b = random_values(g.batch * g.b_size(), 5);
  const auto c = random_values(g.batch * g.c_size(), 6);
  std::vector<float> results[3];
  for (int threads = 1; threads <= 3; ++threads)
    with_threads(threads, [&] { results[threads - 1] = run_gemm(g, a, b, c); });
  EXPECT_EQ(results[0], results[1]);
  EXPECT_EQ(results[0], results[2]);
}

INSTANTIATE_TEST_SUITE_P(OpA, SgemmTiledTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& op) { return op.param ? "Transposed" : "Plain"; });

// c = 130 channels (two 128-row blocks), m = 4100 columns (two chunks, the second of 4).
constexpr std::int64_t kGramC = 130, kGramM = 4100;

std::vector<float> run_gram(const std::vector<float>& f) {
  std::vector<float> g(kGramC * kGramC, NAN);
  gram_upper_tiled(kGramC, kGramM, f.data(), g.data());
  return g;
}

TEST(GramUpperTiled, IsExactOnSmallIntegersAndLeavesTheLowerTriangle) {
  const auto f = random_integers(kGramC * kGramM, 7);
  const std::vector<float> g = run_gram(f);
  std::size_t wrong = 0;
  for (std::int64_t i = 0; i < kGramC; ++i)
    for (std::int64_t j = 0; j < kGramC; ++j) {
      if (j < i) {
        wrong += !std::isnan(g[i * kGramC + j]);
        continue;
      }
      double expected = 0.0;
      for (std::int64_t q = 0; q < kGramM; ++q) expected += double(f[i * kGramM + q]) * f[j * kGramM + q];
      wrong += g[i * kGramC + j] != expected;
    }
  EXPECT_EQ(wrong, 0u);
}

TEST(GramUpperTiled, GivesTheSameBitsOnOneTwoAndThreeThreads) {
  const auto f = random_values(kGramC * kGramM, 8);
  std::vector<float> results[3];
  for (int threads = 1; threads <= 3; ++threads) with_threads(threads, [&] { results[threads - 1] = run_gram(f); });
  // NaN ≠ NaN: compare the upper triangles.
  for (int t = 1; t < 3; ++t)
    for (std::int64_t i = 0; i < kGramC; ++i)
      for (std::int64_t j = i; j < kGramC; ++j)
        ASSERT_EQ(results[0][i * kGramC + j], results[t][i * kGramC + j])
            << t + 1 << " threads, G[" << i << "][" << j << "]";
}

// The thread count set for a tile's BLAS call stays inside the region.
TEST(SgemmTiled, LeavesTheCallersThreadCountAlone) {
  const int before = omp_get_max_threads();
  const GemmCase g{false};
  run_gemm(g, random_values(g.batch * g.a_size(), 9), random_values(g.batch * g.b_size(), 10),
           std::vector<float>(g.batch * g.c_size(), 0.0f));
  EXPECT_EQ(omp_get_max_threads(), before);
}

}  // namespace
}  // namespace nst::testing
