// CUDA convolution (forward with bias and optional ReLU, backward-data with optional ReLU gate)
// against the CPU op, on fresh random inputs of awkward shapes, the CUDA output poisoned with NaN
// first so that an element the kernel never writes fails.
//
// Bound, per element: |cuda − cpu| ≤ 1e-5·Σ|terms| + 1e-6, where Σ|terms| is the same op on the
// absolute values of its inputs (|b[o]| + Σ|w|·|x| forward, Σ|w|·|dy| backward). Both sides add the
// K = C_in·KH·KW (backward: C_out·KH·KW) float products in different orders (BLAS blocks on the CPU,
// one fma chain per thread on the GPU). With independent roundings each side's error is at most
// about √K·2⁻²⁴·Σ|terms| (terms all of one sign; mixed signs give less): 2.9e-6·Σ|terms| at the
// largest K here, 2304 (conv3_1 backward), so 1e-5 leaves a margin of 3 or more. An indexing error
// (a term missing, doubled or read from the wrong pixel) moves a result by about one term,
// ~Σ|terms|/K ≥ 4e-4·Σ|terms|, 40× the bound. The 1e-6 covers results whose terms are all zero.
//
// Small-integer inputs (in [−3, 3]): every product and partial sum is an integer far below 2²⁴,
// exact in float in any order, so there the CUDA result must equal the CPU one bit for bit.
//
// Each test runs in each math of the CUDA kernels (kernels/gemm_math.h), with the bound derived from
// it in tests/support/gemm_maths.h (fp32 1e-5 as above, tf32 1e-3, tf32x3 2e-5). Small integers are
// exact in TF32, so there every math must be bitwise.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "engine/error.h"
#include "engine/gpu.h"
#include "engine/ops/conv2d.h"
#include "kernels/conv2d.h"
#include "kernels/conv2d_small_m.h"
#include "kernels/conv2d_split.h"
#include "tests/support/compare.h"
#include "tests/support/conv_case.h"
#include "tests/support/emulated_gpu.h"
#include "tests/support/gemm_maths.h"
#include "tests/support/gpu.h"
#include "tests/support/random.h"
#include "tests/support/rounding_bound.h"

namespace nst::testing {
namespace {

// Batch 2 throughout. C_in = 3 gives K = 27, not a multiple of the kernels' K slice of 8; C_out = 70
// and the odd image sizes leave partial tiles in both directions; 1×1 images and 1×1 kernels; stride
// 2 with pad 0 and 1; a 5×3 kernel and a 7×7 kernel that leaves a 1×1 output take the general path.
const std::vector<ConvCase>& awkward_cases() {
  static const std::vector<ConvCase> cases = {
      {2, 1, 1, 1, 1, 3, 3, 1, 1},    {2, 3, 1, 1, 5, 1, 1, 1, 0},     {2, 3, 7, 7, 5, 3, 3, 1, 1},
      {2, 1, 17, 31, 64, 3, 3, 1, 1}, {2, 13, 17, 31, 70, 3, 3, 1, 1}, {2, 64, 33, 33, 64, 3, 3, 1, 1},
      {2, 64, 1, 1, 1, 3, 3, 1, 1},   {2, 64, 7, 7, 70, 1, 1, 1, 0},   {2, 3, 33, 33, 64, 3, 3, 2, 0},
      {2, 13, 17, 31, 5, 3, 3, 2, 1}, {2, 5, 9, 11, 13, 5, 3, 2, 2},   {2, 13, 7, 7, 5, 7, 7, 1, 0},
  };
  return cases;
}

// conv3_1 of VGG19 at 256 px: 1×128×64×64 → 256, 3×3, stride 1, pad 1 (K = 1152 forward, 2304
// backward; the 3×3, stride-1 path the network takes). Under the emulator the same channels on a
// 16×16 image (tests/support/emulated_gpu.h).
const ConvCase kConv3_1 =
    gpu_or_emulated(ConvCase{1, 128, 64, 64, 256, 3, 3, 1, 1}, ConvCase{1, 128, 16, 16, 256, 3, 3, 1, 1});

using ops::ConvMath;

// The CUDA forward, x, w, b given on the host, into a NaN-poisoned output on the device.
Tensor cuda_forward(const Tensor& x, const Tensor& w, const Tensor& b, bool relu, const ConvCase& c, ConvMath math) {
  Tensor y = Tensor::filled(c.y_shape(), NAN, Device::cuda);
  ops::conv2d(x.to(Device::cuda), w.to(Device::cuda), b.to(Device::cuda), relu, y, c.geometry(), math);
  return y;
}

// The CUDA backward-data, dy, w and the gate given on the host, into a NaN-poisoned dx.
Tensor cuda_backward_data(const Tensor& dy, const Tensor& w, const Tensor* gate, const ConvCase& c, ConvMath math) {
  Tensor dx = Tensor::filled(c.x_shape(), NAN, Device::cuda);
  const Tensor gate_cuda = gate != nullptr ? gate->to(Device::cuda) : Tensor();
  ops::conv2d_backward_data(dy.to(Device::cuda), w.to(Device::cuda), gate != nullptr ? &gate_cuda : nullptr, dx,
                            c.geometry(), math);
  return dx;
}

void check_forward_random(const ConvCase& c, std::uint64_t seed, ConvMath math) {
  const Tensor x = random_tensor(c.x_shape(), seed), w = random_tensor(c.w_shape(), seed + 1);
  const Tensor b = random_tensor({c.c_out}, seed + 2);
  const Tensor scale = ops::conv2d(absolute(x), absolute(w), absolute(b), false, c.geometry());
  for (const bool relu : {false, true}) {
    const Tensor expected = ops::conv2d(x, w, b, relu, c.geometry());
    EXPECT_TRUE(within_rounding(cuda_forward(x, w, b, relu, c, math), expected, scale, rtol_of(math)))
        << "relu " << relu;
  }
}

// The gate is random in [−1, 1]: about half of dx is gated to 0.
void check_backward_data_random(const ConvCase& c, std::uint64_t seed, ConvMath math) {
  const Tensor dy = random_tensor(c.y_shape(), seed), w = random_tensor(c.w_shape(), seed + 1);
  const Tensor gate = random_tensor(c.x_shape(), seed + 2);
  const Tensor scale = ops::conv2d_backward_data(absolute(dy), absolute(w), c.x_shape(), nullptr, c.geometry());
  for (const Tensor* g : {static_cast<const Tensor*>(nullptr), &gate}) {
    const Tensor expected = ops::conv2d_backward_data(dy, w, c.x_shape(), g, c.geometry());
    EXPECT_TRUE(within_rounding(cuda_backward_data(dy, w, g, c, math), expected, scale, rtol_of(math)))
        << "gated " << (g != nullptr);
  }
}

class CudaConv2dTest : public ::testing::TestWithParam<std::tuple<ConvCase, ConvMath>> {
 protected:
  const ConvCase& shape() const { return std::get<0>(GetParam()); }
  ConvMath math() const { return std::get<1>(GetParam()); }
};

TEST_P(CudaConv2dTest, ForwardMatchesCpu) {
  NST_REQUIRE_CUDA();
  check_forward_random(shape(), 100, math());
}

TEST_P(CudaConv2dTest, BackwardDataMatchesCpu) {
  NST_REQUIRE_CUDA();
  check_backward_data_random(shape(), 200, math());
}

TEST_P(CudaConv2dTest, SmallIntegersAreExact) {
  NST_REQUIRE_CUDA();
  const ConvCase& c = shape();
  const Tensor x = integer_tensor(c.x_shape(), 300), w = integer_tensor(c.w_shape(), 301),
               b = integer_tensor({c.c_out}, 302);
  EXPECT_TRUE(
      all_equal(cuda_forward(x, w, b, true, c, math()).to_host(), ops::conv2d(x, w, b, true, c.geometry()).to_host()))
      << "forward";
  const Tensor dy = integer_tensor(c.y_shape(), 303), gate = integer_tensor(c.x_shape(), 304);
  EXPECT_TRUE(all_equal(cuda_backward_data(dy, w, &gate, c, math()).to_host(),
                        ops::conv2d_backward_data(dy, w, c.x_shape(), &gate, c.geometry()).to_host()))
      << "backward-data";
}

// Every awkward shape in FP32; on the tensor cores every shape on a GPU, and under the emulator
// (where each MMA is a warp collective, tests/support/emulated_gpu.h) four that cover partial tiles
// both ways, K not a multiple of 8, stride 2, a 1×1 and a 5×3 kernel.
std::vector<std::tuple<ConvCase, ConvMath>> case_maths() {
  std::vector<std::tuple<ConvCase, ConvMath>> cases;
  const std::vector<ConvCase>& all = awkward_cases();
  const std::vector<ConvCase> tensor_core_cases =
      gpu_or_emulated(all, std::vector<ConvCase>{all[4], all[7], all[9], all[10]});
  for (const ConvCase& c : all) cases.emplace_back(c, ConvMath::fp32);
  for (const ConvMath math : {ConvMath::tf32, ConvMath::tf32x3})
    for (const ConvCase& c : tensor_core_cases) cases.emplace_back(c, math);
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AwkwardShapes, CudaConv2dTest, ::testing::ValuesIn(case_maths()),
                         [](const ::testing::TestParamInfo<std::tuple<ConvCase, ConvMath>>& param_info) {
                           return describe(std::get<0>(param_info.param)) + "_" +
                                  name_of(std::get<1>(param_info.param));
                         });

TEST(CudaConv2d, Vgg19Conv3_1MatchesCpu) {
  NST_REQUIRE_CUDA();
  for (const ConvMath math : large_case_maths()) {
    SCOPED_TRACE(name_of(math));
    check_forward_random(kConv3_1, 500, math);
    check_backward_data_random(kConv3_1, 600, math);
  }
}

// The TF32 error, measured and printed for bench/RESULTS.md (tests/gpu/run_on_device.sh picks the
// line up): conv3_1 at 256 px on an activation-like input (x ≥ 0, as after a ReLU), against the CPU's
// FP32. A NumPy emulation of the rounding (operands rounded to TF32, products summed exactly) gives
// 2.5e-4 relative L2 and 5.8e-5 of Σ|terms| at worst on this input; the bounds, 1e-3 both, are
// the worst case of the rounding (the file's header) and flag a path that loses more.
TEST(CudaConv2d, Tf32ErrorAgainstFp32IsMeasured) {
  NST_REQUIRE_CUDA();
  const ConvCase& c = kConv3_1;
  const Tensor x = random_tensor(c.x_shape(), 900, Device::cpu, 0.0f, 1.0f), w = random_tensor(c.w_shape(), 901);
  const Tensor b = random_tensor({c.c_out}, 902);
  const std::vector<float> expected = ops::conv2d(x, w, b, false, c.geometry()).to_host();
  const std::vector<float> tf32 = cuda_forward(x, w, b, false, c, ConvMath::tf32).to_host();
  const std::vector<float> scale = ops::conv2d(absolute(x), absolute(w), absolute(b), false, c.geometry()).to_host();
  double error_squares = 0, reference_squares = 0, worst_relative_to_terms = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const double error = double(tf32[i]) - expected[i];
    error_squares += error * error;
    reference_squares += double(expected[i]) * expected[i];
    worst_relative_to_terms = std::max(worst_relative_to_terms, std::fabs(error) / (scale[i] + 1e-30));
  }
  const double relative_l2 = std::sqrt(error_squares / reference_squares);
  std::printf(
      "TF32 forward error against FP32, VGG19 conv3_1 at 256 px: relative L2 %.2e, worst %.2e of the sum of |terms|\n",
      relative_l2, worst_relative_to_terms);
  RecordProperty("tf32_relative_l2", std::to_string(relative_l2));
  EXPECT_LT(relative_l2, rtol_of(ConvMath::tf32));
  EXPECT_LT(worst_relative_to_terms, rtol_of(ConvMath::tf32));
}

// No atomics and a fixed order of the K loop: the same inputs give the same bits.
TEST(CudaConv2d, Vgg19Conv3_1IsBitwiseRepeatable) {
  NST_REQUIRE_CUDA();
  const ConvCase& c = kConv3_1;
  const Tensor x = random_tensor(c.x_shape(), 800), w = random_tensor(c.w_shape(), 801);
  const Tensor b = random_tensor({c.c_out}, 802), dy = random_tensor(c.y_shape(), 803);
  for (const ConvMath math : gpu_or_emulated(std::vector<ConvMath>{ConvMath::fp32, ConvMath::tf32x3},
                                             std::vector<ConvMath>{ConvMath::fp32})) {
    const std::vector<float> y = cuda_forward(x, w, b, true, c, math).to_host();
    const std::vector<float> dx = cuda_backward_data(dy, w, nullptr, c, math).to_host();
    EXPECT_TRUE(all_equal(cuda_forward(x, w, b, true, c, math).to_host(), y)) << name_of(math);
    EXPECT_TRUE(all_equal(cuda_backward_data(dy, w, nullptr, c, math).to_host(), dx)) << name_of(math);
  }
}

// Split K (kernels/conv2d_split.h): a small grid with a long K, 2×127×5×7 → 120, 3×3, one partial tile
// each way. Forward: M = 120, N = 70; K = 1143, 143 slices (the last one partial) in 4 parts of 36,
// the last of 35. Backward-data: M = 127, N = 70; K = 1080, 135 slices in 4 parts of 34, the last of
// 33. The parts' partial sums are added in FP32 in part order: the same terms as one chain,
// regrouped, so the bounds of the file's header hold (they do not depend on the order of the sums).
const ConvCase kSplitCase{2, 127, 5, 7, 120, 3, 3, 1, 1};

TEST(CudaConv2dSplitK, TheSmallGridWithALongKIsSplitUnevenly) {
  const ConvSplit forward = conv2d_forward_split(kSplitCase.params());
  EXPECT_EQ(forward.parts, 4);
  EXPECT_EQ(forward.part_slices, 36);
  const ConvSplit backward = conv2d_backward_data_split(kSplitCase.params());
  EXPECT_EQ(backward.parts, 4);
  EXPECT_EQ(backward.part_slices, 34);
}

TEST(CudaConv2dSplitK, MatchesCpuInEveryMath) {
  NST_REQUIRE_CUDA();
  for (const ConvMath math : {ConvMath::fp32, ConvMath::tf32, ConvMath::tf32x3}) {
    SCOPED_TRACE(name_of(math));
    check_forward_random(kSplitCase, 1000, math);
    check_backward_data_random(kSplitCase, 1100, math);
  }
}

// Integer partial sums are exact in any grouping: every math must give the CPU's bits.
TEST(CudaConv2dSplitK, SmallIntegersAreExactInEveryMath) {
  NST_REQUIRE_CUDA();
  const ConvCase& c = kSplitCase;
  const Tensor x = integer_tensor(c.x_shape(), 1200), w = integer_tensor(c.w_shape(), 1201),
               b = integer_tensor({c.c_out}, 1202), dy = integer_tensor(c.y_shape(), 1203),
               gate = integer_tensor(c.x_shape(), 1204);
  const std::vector<float> y = ops::conv2d(x, w, b, true, c.geometry()).to_host();
  const std::vector<float> dx = ops::conv2d_backward_data(dy, w, c.x_shape(), &gate, c.geometry()).to_host();
  for (const ConvMath math : {ConvMath::fp32, ConvMath::tf32, ConvMath::tf32x3}) {
    EXPECT_TRUE(all_equal(cuda_forward(x, w, b, true, c, math).to_host(), y)) << "forward " << name_of(math);
    EXPECT_TRUE(all_equal(cuda_backward_data(dy, w, &gate, c, math).to_host(), dx)) << "backward " << name_of(math);
  }
}

// The parts are reduced in a fixed order, so the bits do not depend on the run or on the scratch: a
// call with its own scratch and a call with the caller's (poisoned with NaN first) agree. Under the
// emulator in FP32 only (its MMAs are warp collectives, tests/support/emulated_gpu.h).
TEST(CudaConv2dSplitK, IsBitwiseRepeatableWithTheCallersScratch) {
  NST_REQUIRE_CUDA();
  const ConvCase& c = kSplitCase;
  const Tensor x = random_tensor(c.x_shape(), 1300), w = random_tensor(c.w_shape(), 1301),
               b = random_tensor({c.c_out}, 1302), dy = random_tensor(c.y_shape(), 1303);
  const ops::PreparedConvWeights prepared(w.to(Device::cuda), c.geometry());
  const Tensor b_cuda = b.to(Device::cuda), x_cuda = x.to(Device::cuda), dy_cuda = dy.to(Device::cuda);
  const std::int64_t floats = ops::conv2d_cuda_scratch_floats(c.x_shape(), c.w_shape(), c.geometry());
  for (const ConvMath math : gpu_or_emulated(std::vector<ConvMath>{ConvMath::fp32, ConvMath::tf32x3},
                                             std::vector<ConvMath>{ConvMath::fp32})) {
    Tensor scratch = Tensor::filled({floats}, NAN, Device::cuda);
    Tensor y = Tensor::filled(c.y_shape(), NAN, Device::cuda), dx = Tensor::filled(c.x_shape(), NAN, Device::cuda);
    ops::conv2d(x_cuda, prepared, b_cuda, true, y, math, &scratch);
    ops::conv2d_backward_data(dy_cuda, prepared, nullptr, dx, math, &scratch);
    EXPECT_TRUE(all_equal(y.to_host(), cuda_forward(x, w, b, true, c, math).to_host())) << name_of(math);
    EXPECT_TRUE(all_equal(dx.to_host(), cuda_backward_data(dy, w, nullptr, c, math).to_host())) << name_of(math);
  }
}

TEST(CudaConv2dSplitK, RefusesAScratchTooSmall) {
  NST_REQUIRE_CUDA();
  const ConvCase& c = kSplitCase;
  const ops::PreparedConvWeights prepared(random_tensor(c.w_shape(), 1400).to(Device::cuda), c.geometry());
  const Tensor x = random_tensor(c.x_shape(), 1401, Device::cuda), b = random_tensor({c.c_out}, 1402, Device::cuda);
  Tensor y(c.y_shape(), Device::cuda);
  Tensor scratch({conv2d_forward_split(c.params()).scratch_floats() - 1}, Device::cuda);
  try {
    ops::conv2d(x, prepared, b, true, y, ConvMath::fp32, &scratch);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("split-K scratch of"), std::string::npos) << e.what();
  }
}

// The small-M backward-data (kernels/conv2d_small_m.h, conv2d_backward_data_small_m.cu): C_in ≤ 8 takes
// a direct kernel in FP32 whatever the math. Batch 2; C_in 1, 2, 3, 5, 8, 6 (one float4 group of
// filters, partial or full; two); odd and even H, W; stride 1 (the 3×3 fast path) and 2, pad 0 and 1;
// a 1×1 kernel; and a 7×7 kernel at C_in = 6, whose 25 output channels take three stagings of the
// filters (⌊1024 / (49·2)⌋ = 10 channels each: 10, 10, 5).
const std::vector<ConvCase>& small_m_cases() {
  static const std::vector<ConvCase> cases = {
      {2, 1, 5, 7, 6, 3, 3, 1, 1}, {2, 2, 9, 5, 11, 3, 3, 2, 0}, {2, 3, 7, 9, 64, 3, 3, 1, 1},
      {2, 5, 6, 5, 7, 3, 3, 2, 1}, {2, 8, 5, 3, 9, 1, 1, 1, 0},  {2, 6, 9, 8, 25, 7, 7, 1, 1},
  };
  return cases;
}

TEST(CudaConv2dSmallM, TakesTheLayersWithFewInputChannels) {
  Conv2dParams conv1_1 = ConvCase{1, 3, 512, 384, 64, 3, 3, 1, 1}.params();
  EXPECT_TRUE(conv2d_backward_data_small_m(conv1_1));
  EXPECT_EQ(conv2d_backward_data_split(conv1_1).scratch_floats(), 0) << "the direct kernel needs no split-K scratch";
  conv1_1.c_in = 8;
  EXPECT_TRUE(conv2d_backward_data_small_m(conv1_1));
  conv1_1.c_in = 9;
  EXPECT_FALSE(conv2d_backward_data_small_m(conv1_1));
  EXPECT_FALSE(conv2d_backward_data_small_m(ConvCase{1, 64, 8, 8, 64, 3, 3, 1, 1}.params()));
  EXPECT_FALSE(conv2d_backward_data_small_m(ConvCase{1, 8, 40, 40, 4, 23, 23, 1, 0}.params()))
      << "23·23 taps in 2 groups, 1058 float4, do not fit the staging";
  for (const ConvCase& c : small_m_cases()) EXPECT_TRUE(conv2d_backward_data_small_m(c.params())) << describe(c);
  EXPECT_EQ(small_m_chunk_channels(small_m_cases().back().params()), 10);
}

// FP32 in every math: the FP32 bound of the file's header (1e-5·Σ|terms|) holds for each, and the
// maths give the same bits; small integers are exact.
TEST(CudaConv2dSmallM, BackwardDataMatchesCpuInEveryMath) {
  NST_REQUIRE_CUDA();
  for (const ConvCase& c : small_m_cases()) {
    SCOPED_TRACE(describe(c));
    const Tensor dy = random_tensor(c.y_shape(), 1500), w = random_tensor(c.w_shape(), 1501);
    const Tensor gate = random_tensor(c.x_shape(), 1502);
    const Tensor scale = ops::conv2d_backward_data(absolute(dy), absolute(w), c.x_shape(), nullptr, c.geometry());
    const Tensor expected = ops::conv2d_backward_data(dy, w, c.x_shape(), &gate, c.geometry());
    const std::vector<float> fp32 = cuda_backward_data(dy, w, &gate, c, ConvMath::fp32).to_host();
    for (const ConvMath math : {ConvMath::fp32, ConvMath::tf32, ConvMath::tf32x3}) {
      const Tensor dx = cuda_backward_data(dy, w, &gate, c, math);
      EXPECT_TRUE(within_rounding(dx, expected, scale, rtol_of(ConvMath::fp32))) << name_of(math);
      EXPECT_TRUE(all_equal(dx.to_host(), fp32)) << name_of(math) << " against fp32";
    }
    const Tensor dy_int = integer_tensor(c.y_shape(), 1503), w_int = integer_tensor(c.w_shape(), 1504);
    const Tensor gate_int = integer_tensor(c.x_shape(), 1505);
    EXPECT_TRUE(all_equal(cuda_backward_data(dy_int, w_int, &gate_int, c, ConvMath::tf32).to_host(),
                          ops::conv2d_backward_data(dy_int, w_int, c.x_shape(), &gate_int, c.geometry()).to_host()))
        << "small integers";
  }
}

// Wᵀ for the CUDA backward-data (kernels/conv2d.h), re-laid once by ops::PreparedConvWeights: exactly
// w's elements, w_t[c][(o·KH + u)·KW + v] = w[o, c, u, v] (a copy: bit for bit), on a 5×3 kernel
// (u and v distinguishable) with C_in ≠ C_out.
TEST(CudaConv2dPreparedWeights, TransposedWeightsAreWLaidOutOnce) {
  NST_REQUIRE_CUDA();
  const std::int64_t c_out = 7, c_in = 4, kh = 5, kw = 3;
  const Tensor w = random_tensor({c_out, c_in, kh, kw}, 1600);
  const ops::PreparedConvWeights prepared(w.to(Device::cuda), {1, 2});
  ASSERT_NE(prepared.transposed(), nullptr);
  EXPECT_EQ(prepared.transposed()->shape(), (Shape{c_in, c_out * kh * kw}));
  const std::vector<float> host = w.to_host(), transposed = prepared.transposed()->to_host();
  std::vector<float> expected(host.size());
  for (std::int64_t o = 0; o < c_out; ++o)
    for (std::int64_t c = 0; c < c_in; ++c)
      for (std::int64_t tap = 0; tap < kh * kw; ++tap)
        expected[std::size_t(c * c_out * kh * kw + o * kh * kw + tap)] =
            host[std::size_t((o * c_in + c) * kh * kw + tap)];
  EXPECT_TRUE(all_equal(transposed, expected));
  EXPECT_EQ(ops::PreparedConvWeights(w.to(Device::cpu), {1, 2}).transposed(), nullptr) << "the CPU keeps no Wᵀ";
}

// The backward-data with the prepared Wᵀ against the plain op, which re-lays it for the call: the
// same bits, and within the CPU bound, on a GEMM shape with partial tiles (C_in = 13, the general
// window: stride 2) and on a small-M one (C_in = 3), in FP32 and the default 3xTF32.
TEST(CudaConv2dPreparedWeights, BackwardDataGivesTheUnpreparedBits) {
  NST_REQUIRE_CUDA();
  for (const ConvCase& c : {ConvCase{2, 13, 9, 7, 70, 3, 3, 2, 1}, ConvCase{2, 3, 7, 9, 64, 3, 3, 1, 1}}) {
    SCOPED_TRACE(describe(c));
    const Tensor dy = random_tensor(c.y_shape(), 1700), w = random_tensor(c.w_shape(), 1701);
    const Tensor gate = random_tensor(c.x_shape(), 1702);
    const Tensor scale = ops::conv2d_backward_data(absolute(dy), absolute(w), c.x_shape(), nullptr, c.geometry());
    const Tensor expected = ops::conv2d_backward_data(dy, w, c.x_shape(), &gate, c.geometry());
    const ops::PreparedConvWeights prepared(w.to(Device::cuda), c.geometry());
    const Tensor dy_cuda = dy.to(Device::cuda), gate_cuda = gate.to(Device::cuda);
    for (const ConvMath math : {ConvMath::fp32, ConvMath::tf32x3}) {
      Tensor dx = Tensor::filled(c.x_shape(), NAN, Device::cuda);
      ops::conv2d_backward_data(dy_cuda, prepared, &gate_cuda, dx, math);
      EXPECT_TRUE(all_equal(dx.to_host(), cuda_backward_data(dy, w, &gate, c, math).to_host())) << name_of(math);
      EXPECT_TRUE(within_rounding(dx, expected, scale, rtol_of(math))) << name_of(math);
    }
  }
}

}  // namespace
}  // namespace nst::testing
