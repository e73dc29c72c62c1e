// What the CUDA kernels can index (kernels/cuda_limits.h): the checks that the engine makes before
// a launch, run here without a GPU. Sizes the kernels take must pass, at and just under each limit;
// one past it must be refused, naming the quantity.
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "kernels/conv2d.h"
#include "kernels/cuda_limits.h"

namespace nst::testing {
namespace {

using I64 = std::int64_t;

// The limits written out, not read from the header under test: CUDA's grid limits, and the int
// limit less one tile of 128 (kernels/cuda_limits.h says why).
constexpr I64 kMostChannels = I64(65535) * 128;      // tiles along gridDim.y
constexpr I64 kMostColumns = I64(2147483647) * 128;  // tiles along gridDim.x
constexpr I64 kMostInt = I64(2147483647) - 128;

Conv2dParams params(I64 n, I64 c_in, I64 h, I64 w, I64 c_out, I64 k, I64 pad) {
  Conv2dParams p;
  p.n = n, p.c_in = c_in, p.h = h, p.w = w, p.c_out = c_out, p.kh = k, p.kw = k, p.stride = 1, p.pad = pad;
  return p;
}

// The check refuses `p`, and its reason starts with `quantity`.
void expect_refused(const Conv2dParams& p, const std::string& quantity) {
  const std::string why = conv2d_cuda_unindexable(p);
  EXPECT_EQ(why.rfind(quantity + " = ", 0), 0u) << "expected a refusal for " << quantity << ", got \"" << why << "\"";
}

TEST(CudaLimits, TakesVggAtSizesWhoseTensorsPass2To31) {
  // conv1_2 at 8192 px: 64·8192² = 2³² floats per tensor, indexed in 64 bits; and at 16384 px.
  EXPECT_EQ(conv2d_cuda_unindexable(params(1, 64, 8192, 8192, 64, 3, 1)), "");
  EXPECT_EQ(conv2d_cuda_unindexable(params(1, 64, 16384, 16384, 64, 3, 1)), "");
  EXPECT_EQ(conv2d_cuda_unindexable(params(1, 512, 2048, 2048, 512, 3, 1)), "");
  EXPECT_EQ(gram_cuda_unindexable(64, I64(16384) * 16384), "");
}

TEST(CudaLimits, RefusesAPlaneOverAnInt) {
  // A pixel's index inside a plane is an int: W = the int limit passes, one more does not.
  EXPECT_EQ(conv2d_cuda_unindexable(params(1, 1, 1, kMostInt, 1, 1, 0)), "");
  expect_refused(params(1, 1, 1, kMostInt + 1, 1, 1, 0), "W + 2·pad");
  expect_refused(params(1, 1, 50000, 50000, 1, 3, 1), "H·W");
}

TEST(CudaLimits, RefusesAGemmDepthOverAnInt) {
  // K = C_in·KH·KW (forward) or C_out·KH·KW (backward-data) is an int: 2.2e9 is refused.
  expect_refused(params(1, 4194240, 23, 23, 1, 23, 0), "C_in·KH·KW");
  expect_refused(params(1, 1, 23, 23, 4194240, 23, 0), "C_out·KH·KW");
}

TEST(CudaLimits, RefusesMoreChannelTilesThanGridDimY) {
  // 65535 tiles of 128 channels fit gridDim.y; one channel more needs a 65536th.
  const I64 most = kMostChannels;
  EXPECT_EQ(conv2d_cuda_unindexable(params(1, 1, 1, 1, most, 1, 0)), "");
  expect_refused(params(1, 1, 1, 1, most + 1, 1, 0), "C_out");
  EXPECT_EQ(conv2d_cuda_unindexable(params(1, most, 1, 1, 1, 1, 0)), "");
  expect_refused(params(1, most + 1, 1, 1, 1, 1, 0), "C_in");
  EXPECT_EQ(gram_cuda_unindexable(most, 1), "");
  EXPECT_EQ(gram_cuda_unindexable(most + 1, 1).rfind("C = ", 0), 0u);
}

TEST(CudaLimits, RefusesMorePixelTilesThanGridDimX) {
  // 2²⁰ images of 512×512: 2³⁸ columns, 2³¹ tiles of 128, over gridDim.x's 2³¹ − 1.
  expect_refused(params(I64(1) << 20, 1, 512, 512, 1, 1, 0), "N·OH·OW");
  EXPECT_EQ(conv2d_cuda_unindexable(params(I64(1) << 14, 1, 512, 512, 1, 1, 0)), "");
  const I64 most = kMostColumns;
  EXPECT_EQ(gram_cuda_unindexable(1, most), "");
  EXPECT_EQ(gram_cuda_unindexable(1, most + 1).rfind("M = H·W = ", 0), 0u);
}

TEST(CudaLimits, ReasonNamesTheValueAndTheLimit) {
  EXPECT_EQ(conv2d_cuda_unindexable(params(1, 1, 1, 1, 8388481, 1, 0)),
            "C_out = 8388481 needs 65536 blocks of 128 along gridDim.y, more than CUDA's 65535");
  EXPECT_EQ(conv2d_cuda_unindexable(params(1, 1, 50000, 50000, 1, 3, 1)),
            "H·W = 2500000000 exceeds 2147483519 (an int in the kernels)");
}

}  // namespace
}  // namespace nst::testing
